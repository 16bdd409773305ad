using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class CloneAddressingTests
{
    [Fact]
    public void Consecutive_CountsUpFromTheFirstAddress_KeepingThePrefix()
    {
        Assert.Equal(["10.99.0.254/23", "10.99.0.255/23", "10.99.1.0/23"], CloneAddressing.Consecutive("10.99.0.254/23", 3));
    }

    [Theory]
    [InlineData("10.99.0.250/24", 6)] // the sixth would be the broadcast address .255
    [InlineData("10.99.0.10", 1)]
    [InlineData("fd00::10/64", 1)]
    [InlineData("10.99.0.10/31", 1)]
    public void Consecutive_WithoutRoomOrWithABadAddress_IsAFormatError(string first, int count)
    {
        Assert.Throws<FormatException>(() => CloneAddressing.Consecutive(first, count));
    }

    [Fact]
    public void NewMac_NeverRepeatsATakenMac_AndIsAUnicastQemuMac()
    {
        var taken = new HashSet<string>(StringComparer.Ordinal) { "52:54:00:12:34:56" };

        var macs = Enumerable.Range(0, 500).Select(_ => CloneAddressing.NewMac(taken)).ToList();

        Assert.Equal(500, macs.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain("52:54:00:12:34:56", macs);
        Assert.All(macs, mac => Assert.True(NetworkValues.IsUnicastMac(mac) && mac.StartsWith(CloneAddressing.MacPrefix, StringComparison.Ordinal), mac));
        Assert.Equal(501, taken.Count);
    }
}
