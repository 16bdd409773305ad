using System.Security.Cryptography;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>
/// A persistent tap interface on a bridge, made with iproute2 (<c>ip tuntap add ... mode tap</c>,
/// <c>ip link set ... master BRIDGE up</c>) so QEMU opens it by name with <c>script=no</c>.
/// </summary>
public static class TapDevice
{
    public const string IpBinary = "ip";

    private const string Prefix = "jst";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    /// <summary>A tap name unique per VM and within IFNAMSIZ: "jst" + 10 hex digits of the name's hash.</summary>
    public static string NameFor(string vmName)
        => Prefix + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(vmName)))[..10];

    /// <summary>Creates the tap (replacing a stale one) and enslaves it to <paramref name="bridge"/>.</summary>
    /// <exception cref="IOException">ip failed (no such bridge, not root).</exception>
    public static async Task CreateAsync(string tap, string bridge, CancellationToken cancellationToken)
    {
        await DeleteAsync(tap, cancellationToken);
        await RunAsync(["tuntap", "add", "dev", tap, "mode", "tap"], cancellationToken);
        try
        {
            await RunAsync(["link", "set", "dev", tap, "master", bridge, "up"], cancellationToken);
        }
        catch
        {
            await DeleteAsync(tap, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Removes the tap if it exists.</summary>
    public static async Task DeleteAsync(string tap, CancellationToken cancellationToken)
        => await ProcessRunner.RunAsync(IpBinary, ["link", "del", "dev", tap], new ProcessRunOptions { Timeout = s_timeout }, cancellationToken);

    private static async Task RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(IpBinary, arguments, new ProcessRunOptions { Timeout = s_timeout }, cancellationToken);
        if (!result.Succeeded)
        {
            throw new IOException($"ip {string.Join(' ', arguments)} failed: {result.StandardError.Trim()}");
        }
    }
}
