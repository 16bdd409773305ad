using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Processes;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Guestd.Network;

/// <summary>
/// Changes Linux networking with iproute2's <c>ip</c>, run through <see cref="ProcessRunner"/> with
/// the argument vectors of <see cref="IpCommands"/>; changes are queued and run together by
/// <see cref="CommitAsync"/> as one <c>ip -batch</c>. Works on the network namespace it runs in, or
/// on the named one (<c>ip -n NAME</c>) when <paramref name="networkNamespace"/> is given.
/// </summary>
public sealed partial class IpRouteConfigurator(ILogger<IpRouteConfigurator> logger, string ipTool = "ip", string? networkNamespace = null, string arpingTool = "arping", string? sysfsDirectory = SysfsLinks.DefaultDirectory)
    : IpCommandConfigurator
{
    private static readonly Regex s_failedLine = new(@"Command failed -:(\d+)", RegexOptions.CultureInvariant);

    private readonly string[] _prefix = networkNamespace is null ? [] : ["-n", CheckNamespace(networkNamespace)];
    private readonly List<IReadOnlyList<string>> _pending = [];

    /// <summary>Longest a single <c>ip</c> call may take; they are all near-instant.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);

    /// <summary><c>ip -j link show</c> of a guest is small; more than this is not believed.</summary>
    private const int MaxListOutputChars = 4 << 20;

    /// <summary>Changes print little more than an error line.</summary>
    private const int MaxCommandOutputChars = 64 * 1024;

    /// <summary>Namespace names become file names under /run/netns; keep them short and plain.</summary>
    private const int MaxNamespaceNameLength = 64;

    private const string LoopbackType = "loopback";

    /// <summary>
    /// From /sys/class/net when working on guestd's own namespace (no process to start), else
    /// <c>ip -j link show</c>: sysfs shows the namespace that mounted it, not a named one.
    /// </summary>
    public override async Task<IReadOnlyList<NetworkLink>> ListLinksAsync(CancellationToken cancellationToken)
    {
        if (networkNamespace is null && sysfsDirectory is not null && SysfsLinks.TryRead(sysfsDirectory) is { } fromSysfs)
        {
            return fromSysfs;
        }

        var output = await RunAsync(IpCommands.ListLinks(), MaxListOutputChars, cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(output);
            var links = new List<NetworkLink>();
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                var name = entry.TryGetProperty("ifname", out var n) ? n.GetString() : null;
                if (name is null)
                {
                    continue;
                }

                var mac = entry.TryGetProperty("address", out var a) ? a.GetString() : null;
                var type = entry.TryGetProperty("link_type", out var t) ? t.GetString() : null;
                links.Add(new NetworkLink(name, mac, type == LoopbackType));
            }

            return links;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new NetworkConfigurationException($"cannot parse the output of '{ipTool} -j link show': {ex.Message}", ex);
        }
    }

    public override async Task AnnounceAsync(string link, IPAddress address, CancellationToken cancellationToken)
    {
        // In a named namespace the announcement must leave from inside it: ip netns exec NAME arping ...
        var (tool, argv) = networkNamespace is null
            ? (arpingTool, IpCommands.GratuitousArp(link, address))
            : (ipTool, (IReadOnlyList<string>)["netns", "exec", _prefix[1], arpingTool, .. IpCommands.GratuitousArp(link, address)]);
        LogArping(logger, link, address.ToString());
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(tool, argv, new ProcessRunOptions { Timeout = CommandTimeout, MaxCapturedChars = MaxCommandOutputChars }, cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            throw new NetworkConfigurationException($"cannot run '{arpingTool}' for a gratuitous ARP: {ex.Message}", ex);
        }

        if (!result.Succeeded)
        {
            throw new NetworkConfigurationException($"'{arpingTool} {string.Join(' ', IpCommands.GratuitousArp(link, address))}' failed ({ProcessFailure.Describe(result, CommandTimeout)})");
        }
    }

    /// <summary>
    /// Runs the queued changes as one <c>ip -batch -</c> process: under TCG every process start costs
    /// tens of milliseconds, and a clone's network step is about ten changes. <c>ip</c> stops at the
    /// first failing line and names it (<c>Command failed -:N</c>); the error quotes that command.
    /// </summary>
    /// <remarks>ip(8): "-b, -batch FILENAME: Read commands from provided file or standard input and invoke them. First failure will cause termination of ip."</remarks>
    public override async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var lines = _pending.Select(IpCommands.BatchLine).ToList();
        _pending.Clear();
        var script = string.Join('\n', lines) + "\n";
        LogBatch(logger, lines.Count, script);
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(
                ipTool,
                [.. _prefix, "-batch", "-"],
                new ProcessRunOptions { Timeout = CommandTimeout, MaxCapturedChars = MaxCommandOutputChars, StandardInput = Encoding.UTF8.GetBytes(script) },
                cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            throw new NetworkConfigurationException($"cannot run '{ipTool}' (install iproute2): {ex.Message}", ex);
        }

        if (!result.Succeeded)
        {
            var match = s_failedLine.Match(result.StandardError);
            var failed = match.Success && int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out var number) && number >= 1 && number <= lines.Count
                ? $"'{ipTool} {lines[number - 1]}'"
                : $"'{ipTool} -batch' ({lines.Count} commands)";
            throw new NetworkConfigurationException($"{failed} failed ({ProcessFailure.Describe(result, CommandTimeout)})");
        }
    }

    /// <summary>Changes wait for <see cref="CommitAsync"/>; the list is bounded by what one interface plan asks for.</summary>
    protected override Task ChangeAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken)
    {
        _pending.Add(argv);
        return Task.CompletedTask;
    }

    private async Task<string> RunAsync(IReadOnlyList<string> argv, int maxOutput, CancellationToken cancellationToken)
    {
        LogIp(logger, string.Join(' ', argv));
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(ipTool, [.. _prefix, .. argv], new ProcessRunOptions { Timeout = CommandTimeout, MaxCapturedChars = maxOutput }, cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            throw new NetworkConfigurationException($"cannot run '{ipTool}' (install iproute2): {ex.Message}", ex);
        }

        if (!result.Succeeded)
        {
            throw new NetworkConfigurationException($"'{ipTool} {string.Join(' ', argv)}' failed ({ProcessFailure.Describe(result, CommandTimeout)})");
        }

        return result.StandardOutput;
    }

    private static string CheckNamespace(string name)
        => name.Length is > 0 and <= MaxNamespaceNameLength && name[0] != '-' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? name
            : throw new ArgumentException($"unsafe network namespace name '{name}'", nameof(name));

    [LoggerMessage(EventId = LogEventIds.GuestdNetwork.Batch, Level = LogLevel.Debug, Message = "ip -batch with {Count} commands:\n{Script}")]
    private static partial void LogBatch(ILogger logger, int count, string script);

    [LoggerMessage(EventId = LogEventIds.GuestdNetwork.Arping, Level = LogLevel.Debug, Message = "Gratuitous ARP for {Address} on {Link}")]
    private static partial void LogArping(ILogger logger, string link, string address);

    [LoggerMessage(EventId = LogEventIds.GuestdNetwork.Ip, Level = LogLevel.Debug, Message = "ip {Arguments}")]
    private static partial void LogIp(ILogger logger, string arguments);
}
