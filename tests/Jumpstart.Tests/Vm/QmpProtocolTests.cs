using System.Text.Json;
using Jumpstart.Hostd.Qmp;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

/// <summary>The QMP client against scripted peers: malformed greetings, over-long lines, silence.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class QmpProtocolTests
{
    private static string OkFor(string request)
        => $$"""{"return": {}, "id": {{JsonDocument.Parse(request).RootElement.GetProperty("id").GetInt64()}}}""";

    [Fact]
    public async Task APeerThatIsNotQmp_IsRefusedWithAProtocolError()
    {
        using var directory = new TempDirectory("qmp");
        await using var peer = new FakeQmpPeer(directory.Combine("q.sock"), OkFor, greeting: "SSH-2.0-OpenSSH\n");

        var error = await Assert.ThrowsAsync<QmpProtocolException>(() => QmpClient.ConnectAsync(peer.Path));
        Assert.Contains("greeting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOverlongLine_IsAProtocolError_NotAnAllocation()
    {
        using var directory = new TempDirectory("qmp");
        var huge = new string('x', QmpLimits.MaxLineBytes + 1);
        await using var peer = new FakeQmpPeer(directory.Combine("q.sock"), OkFor, greeting: huge);

        await Assert.ThrowsAsync<QmpProtocolException>(() => QmpClient.ConnectAsync(peer.Path));
    }

    [Fact]
    public async Task ACommandWithoutAnswer_TimesOut_AndLaterCommandsStillWork()
    {
        using var directory = new TempDirectory("qmp");
        await using var peer = new FakeQmpPeer(directory.Combine("q.sock"), line => line.Contains("\"stop\"", StringComparison.Ordinal) ? null : OkFor(line));
        await using var client = await QmpClient.ConnectAsync(peer.Path);

        var error = await Assert.ThrowsAsync<QmpTimeoutException>(() => client.ExecuteAsync("stop", timeout: TimeSpan.FromMilliseconds(150)));
        Assert.Contains("stop", error.Message, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Object, (await client.ExecuteAsync("cont")).ValueKind);
    }

    [Fact]
    public async Task AnErrorAnswer_BecomesTheTypedException_ForItsClass()
    {
        using var directory = new TempDirectory("qmp");
        await using var peer = new FakeQmpPeer(directory.Combine("q.sock"), line => line.Contains("qmp_capabilities", StringComparison.Ordinal)
            ? OkFor(line)
            : $$"""{"error": {"class": "DeviceNotFound", "desc": "Device 'x' not found"}, "id": {{JsonDocument.Parse(line).RootElement.GetProperty("id").GetInt64()}}}""");
        await using var client = await QmpClient.ConnectAsync(peer.Path);

        var error = await Assert.ThrowsAsync<QmpDeviceNotFoundException>(() => client.EjectAsync("x", force: false));
        Assert.Equal("eject", error.Command);
        Assert.Equal("Device 'x' not found", error.Description);
    }

    [Fact]
    public async Task APeerThatNeverGreets_TimesOutOnConnect()
    {
        using var directory = new TempDirectory("qmp");
        await using var peer = new FakeQmpPeer(directory.Combine("q.sock"), OkFor, greeting: string.Empty);

        await Assert.ThrowsAsync<QmpTimeoutException>(() => QmpClient.ConnectAsync(peer.Path, timeout: TimeSpan.FromMilliseconds(200)));
    }
}
