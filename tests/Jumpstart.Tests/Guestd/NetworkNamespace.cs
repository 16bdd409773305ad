using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Guestd;

/// <summary>A network namespace a test creates (unique name) and deletes on dispose, even after a failure.</summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private NetworkNamespace(string name)
    {
        Name = name;
    }

    public string Name { get; }

    /// <summary>Creates <c>js-PREFIX-RANDOM</c> and brings its loopback up.</summary>
    public static async Task<NetworkNamespace> CreateAsync(string prefix)
    {
        var ns = new NetworkNamespace($"js-{prefix}-{Guid.NewGuid().ToString("N")[..8]}");
        await Requirements.RunToolAsync("ip", ["netns", "add", ns.Name]);
        await ns.IpAsync("link", "set", "lo", "up");
        return ns;
    }

    /// <summary>Runs <c>ip -n NAME ARGS</c> and returns its stdout; fails the test if it fails.</summary>
    public async Task<string> IpAsync(params string[] arguments)
        => (await Requirements.RunToolAsync("ip", ["-n", Name, .. arguments])).StandardOutput;

    public async ValueTask DisposeAsync()
    {
        // Best effort: a leftover namespace must not fail the test that already failed for a reason.
        await Jumpstart.Shared.Processes.ProcessRunner.RunAsync("ip", ["netns", "delete", Name], new() { Timeout = TimeSpan.FromSeconds(30) });
    }
}
