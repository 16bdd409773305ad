using System.Text.Json;
using Jumpstart.Guestd.Network;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Guestd;

[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class SysfsLinksTests : IDisposable
{
    private readonly TempDirectory _temp = new("sysfs-links");

    public void Dispose() => _temp.Dispose();

    [ToolFact("ip")]
    public async Task TryRead_ThisNamespace_ListsWhatIpListsWithTheSameMacs()
    {
        var fromIp = await Requirements.RunToolAsync("ip", ["-j", "link", "show"]);
        using var document = JsonDocument.Parse(fromIp.StandardOutput);
        var expected = document.RootElement.EnumerateArray()
            .Select(e => (Name: e.GetProperty("ifname").GetString()!, Mac: e.TryGetProperty("address", out var a) ? a.GetString() : null))
            .OrderBy(l => l.Name, StringComparer.Ordinal);

        var links = SysfsLinks.TryRead();

        Assert.NotNull(links);
        Assert.Equal(expected, links.Select(l => (l.Name, l.Mac)).OrderBy(l => l.Name, StringComparer.Ordinal));
        Assert.True(links.Single(l => l.Name == "lo").IsLoopback);
    }

    [Fact]
    public void TryRead_ReadsAddressAndLoopbackType_AndSaysWhenThereIsNoSysfs()
    {
        var net = Directory.CreateDirectory(_temp.Combine("net")).FullName;
        Directory.CreateDirectory(Path.Combine(net, "lo"));
        File.WriteAllText(Path.Combine(net, "lo", "address"), "00:00:00:00:00:00\n");
        File.WriteAllText(Path.Combine(net, "lo", "type"), "772\n");
        Directory.CreateDirectory(Path.Combine(net, "eth0"));
        File.WriteAllText(Path.Combine(net, "eth0", "address"), "52:54:00:12:34:56\n");
        File.WriteAllText(Path.Combine(net, "eth0", "type"), "1\n");

        var links = SysfsLinks.TryRead(net)!.OrderBy(l => l.Name, StringComparer.Ordinal).ToList();

        Assert.Equal([new NetworkLink("eth0", "52:54:00:12:34:56", false), new NetworkLink("lo", "00:00:00:00:00:00", true)], links);
        Assert.Null(SysfsLinks.TryRead(_temp.Combine("absent")));
    }
}
