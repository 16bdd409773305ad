using System.Globalization;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Guestd;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Clones;

/// <summary>
/// The "host" of the end-to-end tests: a network namespace the test makes, holding a bridge with an
/// address. hostd runs inside it, so the taps it creates for the VMs and the QEMU processes live
/// there too; the host's own network is never touched.
/// </summary>
public sealed class CloneNetwork : IAsyncDisposable
{
    /// <summary>The bridge inside the namespace the VMs' taps join.</summary>
    public const string BridgeName = "jsbr0";

    /// <summary>The subnet's first three octets; the bridge is .1, clones get .10 and up.</summary>
    public const string SubnetPrefix = "10.99.0";

    public const int PrefixLength = 24;

    private static readonly TimeSpan s_pingTimeout = TimeSpan.FromSeconds(5);

    private readonly NetworkNamespace _namespace;

    private CloneNetwork(NetworkNamespace ns)
    {
        _namespace = ns;
    }

    /// <summary>The namespace's name (for <c>ip netns exec</c>).</summary>
    public string Namespace => _namespace.Name;

    /// <summary>The bridge's address: the host side of every clone's subnet, and where the CMS listens.</summary>
    public static string BridgeAddress => SubnetPrefix + ".1";

    /// <summary>Clone number <paramref name="index"/> (0-based)'s address.</summary>
    public static string CloneAddress(int index) => string.Create(CultureInfo.InvariantCulture, $"{SubnetPrefix}.{10 + index}");

    /// <summary>Creates the namespace and its bridge (up, with <see cref="BridgeAddress"/>).</summary>
    public static async Task<CloneNetwork> CreateAsync()
    {
        var ns = await NetworkNamespace.CreateAsync("clone");
        try
        {
            await ns.IpAsync("link", "add", BridgeName, "type", "bridge");
            // Forward at once: the default 15 s STP listening/learning delays would drop a fresh clone's first frames.
            await ns.IpAsync("link", "set", BridgeName, "type", "bridge", "forward_delay", "0", "stp_state", "0");
            await ns.IpAsync("address", "add", $"{BridgeAddress}/{PrefixLength}", "dev", BridgeName);
            await ns.IpAsync("link", "set", BridgeName, "up");
            return new CloneNetwork(ns);
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    /// <summary>The argv prefix that runs a program inside the namespace.</summary>
    public IReadOnlyList<string> ExecPrefix => ["netns", "exec", Namespace];

    /// <summary>Runs <c>ip -n NS ARGS</c> and returns stdout (fails the test when it fails).</summary>
    public Task<string> IpAsync(params string[] arguments) => _namespace.IpAsync(arguments);

    /// <summary>One ping from the namespace; true when <paramref name="address"/> answered.</summary>
    public async Task<bool> PingOnceAsync(string address, CancellationToken cancellationToken = default)
    {
        var result = await ProcessRunner.RunAsync(
            Requirements.RequireTool("ip"),
            [.. ExecPrefix, "ping", "-n", "-c", "1", "-W", "2", address],
            new ProcessRunOptions { Timeout = s_pingTimeout },
            cancellationToken);
        return result.Succeeded;
    }

    /// <summary>Pings until an answer or <paramref name="within"/> has passed.</summary>
    public async Task<bool> PingAsync(string address, TimeSpan within, CancellationToken cancellationToken = default)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(within);
        try
        {
            while (!bound.IsCancellationRequested)
            {
                if (await PingOnceAsync(address, bound.Token))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The bound ran out.
        }

        return false;
    }

    /// <summary>Deletes the namespace (its bridge and any tap left in it go with it).</summary>
    public ValueTask DisposeAsync() => _namespace.DisposeAsync();
}
