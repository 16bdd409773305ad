using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Images;

[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class QuantitiesTests
{
    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("64K", 64L * 1024)]
    [InlineData("200MiB", 200L * 1024 * 1024)]
    [InlineData("2GiB", 2L * 1024 * 1024 * 1024)]
    [InlineData("1.5 GiB", 3L * 512 * 1024 * 1024)]
    [InlineData("10GB", 10_000_000_000L)]
    [InlineData("512b", 512L)]
    public void ParseBytes_AcceptsBinaryAndDecimalUnits(string text, long expected)
        => Assert.Equal(expected, Quantities.ParseBytes(text));

    [Theory]
    [InlineData("500MB/s", 500e6)]
    [InlineData("100MiB/s", 100.0 * 1024 * 1024)]
    [InlineData("1Gbit/s", 1e9 / 8)]
    [InlineData("800Mbps", 800e6 / 8)]
    [InlineData("40MBps", 40e6)]
    public void ParseRate_TellsBitsFromBytes(string text, double expected)
        => Assert.Equal(expected, Quantities.ParseRate(text), 6);

    [Theory]
    [InlineData("0.2ms", 0.0002)]
    [InlineData("50us", 0.00005)]
    [InlineData("1.5s", 1.5)]
    [InlineData("2min", 120)]
    [InlineData("3", 3)]
    public void ParseDuration_AcceptsCommonUnits(string text, double seconds)
        => Assert.Equal(seconds, Quantities.ParseDuration(text).TotalSeconds, 9);

    [Theory]
    [InlineData("")]
    [InlineData("-1G")]
    [InlineData("2 parsecs")]
    [InlineData("1e9")]
    [InlineData("2EiB")]
    [InlineData("99999999999T")]
    public void ParseBytes_RejectsNonsenseWithTheAcceptedForms(string text)
    {
        var error = Assert.Throws<FormatException>(() => Quantities.ParseBytes(text));
        Assert.Contains("size", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1G")]
    [InlineData("0MB/s")]
    [InlineData("fast")]
    public void ParseRate_RejectsSizesZeroAndWords(string text)
        => Assert.Throws<FormatException>(() => Quantities.ParseRate(text));
}
