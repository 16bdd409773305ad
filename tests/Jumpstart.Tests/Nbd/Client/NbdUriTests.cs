using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Nbd.Client;

[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class NbdUriTests
{
    [Theory]
    [InlineData("nbd://10.0.0.2/base", "10.0.0.2", 10809, "base")]
    [InlineData("nbd://host.example:10900/base", "host.example", 10900, "base")]
    [InlineData("nbd://[::1]:5000/a%20b", "::1", 5000, "a b")]
    [InlineData("nbd://localhost", "localhost", 10809, "")]
    public void Parse_TcpUri_GivesHostPortAndExport(string text, string host, int port, string export)
    {
        var uri = NbdUri.Parse(text);
        Assert.False(uri.IsUnix);
        Assert.Equal(host, uri.Host);
        Assert.Equal(port, uri.Port);
        Assert.Equal(export, uri.ExportName);
        Assert.Equal(uri, NbdUri.Parse(uri.ToString()));
    }

    [Fact]
    public void Parse_UnixUri_GivesSocketAndExport()
    {
        var uri = NbdUri.Parse("nbd+unix:///base?socket=/run/jumpstart/nbd.sock");
        Assert.True(uri.IsUnix);
        Assert.Equal("/run/jumpstart/nbd.sock", uri.SocketPath);
        Assert.Equal("base", uri.ExportName);
        Assert.Equal("nbd+unix:///base?socket=%2Frun%2Fjumpstart%2Fnbd.sock", uri.ToString());
        Assert.Equal(uri, NbdUri.Parse(uri.ToString()));
    }

    [Theory]
    [InlineData("http://x/y", "not an NBD URI")]
    [InlineData("nbds://x/y", "not an NBD URI")]
    [InlineData("nbd:///y", "missing host")]
    [InlineData("nbd://x:0/y", "port")]
    [InlineData("nbd://x:99999/y", "port")]
    [InlineData("nbd://x:abc/y", "port")]
    [InlineData("nbd://[::1/y", "IPv6")]
    [InlineData("nbd+unix:///y", "socket=PATH")]
    [InlineData("nbd+unix://host/y?socket=/s", "no host")]
    [InlineData("nbd://x/y?socket=/s", "query")]
    public void Parse_BadUri_ThrowsFormatExceptionSayingWhy(string text, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => NbdUri.Parse(text));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.False(NbdUri.TryParse(text, out _, out var error));
        Assert.Equal(ex.Message, error);
    }
}
