using System.Diagnostics;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Tests.Traffic;

/// <summary>
/// A network namespace joined to the host by a veth pair (host end <see cref="HostInterface"/>,
/// <see cref="HostAddress"/>; namespace end <see cref="PeerAddress"/>), with helper processes
/// started inside it. Everything is removed on dispose. Needs root and iproute2.
/// </summary>
public sealed class VethNamespace : IAsyncDisposable
{
    private static int s_next = Environment.ProcessId;
    private readonly List<Process> _processes = [];

    private VethNamespace(string id, int subnet)
    {
        Namespace = $"jsflows-{id}";
        HostInterface = $"jsfh{id}";
        PeerInterface = $"jsfn{id}";
        HostAddress = $"10.213.{subnet}.1";
        PeerAddress = $"10.213.{subnet}.2";
    }

    public string Namespace { get; }

    public string HostInterface { get; }

    public string PeerInterface { get; }

    public string HostAddress { get; }

    public string PeerAddress { get; }

    public static async Task<VethNamespace> CreateAsync()
    {
        // Distinct names and /30 subnets for namespaces made at the same time by parallel tests.
        var next = Interlocked.Increment(ref s_next);
        var id = (next & 0xFFFFFF).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);
        var veth = new VethNamespace(id, 1 + (next % 250));
        try
        {
            await Ip("netns", "add", veth.Namespace);
            await Ip("link", "add", veth.HostInterface, "type", "veth", "peer", "name", veth.PeerInterface);
            await Ip("link", "set", veth.PeerInterface, "netns", veth.Namespace);
            await Ip("addr", "add", veth.HostAddress + "/30", "dev", veth.HostInterface);
            await Ip("link", "set", veth.HostInterface, "up");
            await Ip("-n", veth.Namespace, "addr", "add", veth.PeerAddress + "/30", "dev", veth.PeerInterface);
            await Ip("-n", veth.Namespace, "link", "set", veth.PeerInterface, "up");
            await Ip("-n", veth.Namespace, "link", "set", "lo", "up");
            return veth;
        }
        catch
        {
            await veth.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts <paramref name="program"/> inside the namespace; it is killed on dispose.</summary>
    public Process Start(string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? "/" };
        foreach (var argument in (string[])["netns", "exec", Namespace, program, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }

            process.Dispose();
        }

        await ProcessRunner.RunAsync("ip", ["link", "del", HostInterface], new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(10) });
        await ProcessRunner.RunAsync("ip", ["netns", "del", Namespace], new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(10) });
    }

    private static async Task Ip(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("ip", arguments, new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(20) });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)}: {result.StandardError}");
        }
    }
}
