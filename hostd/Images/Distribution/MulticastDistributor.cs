using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Jumpstart.Shared.Processes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>
/// Pre-deployment by multicast: sends an image file once to a closed group of receivers with Debian's
/// <c>uftp</c> (sender) and <c>uftpd</c> (receivers), a multicast file transfer with NAK-based repair.
/// Every program runs from an argv list through <see cref="ProcessRunner"/>, bounded by a timeout.
/// </summary>
/// <remarks>
/// Flags from uftp(1)/uftpd(1) 4.10: <c>-M</c> public multicast address, <c>-p</c> port, <c>-I</c> interface,
/// <c>-H</c> closed group of client ids (the sender waits for exactly these), <c>-U</c> a receiver's id,
/// <c>-Y none</c> no encryption (images are not secret on the hosts' own network; the state store is where
/// secrets live), <c>-R</c> rate in Kbit/s, <c>-D</c> name on the receivers, <c>-t</c> receive into a temp file then
/// rename, <c>-d</c> uftpd in the foreground. uftp exits 0 when at least one client got the file, so completion is
/// read per receiver from its "Transfer status" report.
/// </remarks>
public sealed partial class MulticastDistributor(ILogger<MulticastDistributor>? logger = null)
{
    /// <summary>The sender program (Debian package uftp).</summary>
    public const string SenderTool = "uftp";

    /// <summary>The receiver program (same package).</summary>
    public const string ReceiverTool = "uftpd";

    private const int LogLevel = 2;

    private readonly ILogger _logger = logger ?? NullLogger<MulticastDistributor>.Instance;

    /// <summary>
    /// The data block for an interface: its MTU less 200 bytes for the IP, UDP and uftp headers (uftp(1): "100-200 bytes
    /// less than the path MTU"), within uftp's bounds; null when the interface is not a name this host knows (an
    /// address, or none), leaving uftp's default for a 1500-byte MTU. With 9000-byte jumbo frames a block carries 8800
    /// bytes instead of 1300: a sixth of the datagrams, and of the per-packet work of the sender and every receiver.
    /// </summary>
    public static int? BlockBytesFor(string? interfaceName)
    {
        if (interfaceName is null || interfaceName.Contains('/') || interfaceName is "." or "..")
        {
            return null;
        }

        try
        {
            var mtu = int.Parse(File.ReadAllText(Path.Combine("/sys/class/net", interfaceName, "mtu")).Trim(), CultureInfo.InvariantCulture);
            return Math.Clamp(mtu - 200, MulticastSendOptions.MinBlockBytes, MulticastSendOptions.MaxBlockBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>Sends <see cref="MulticastSendOptions.File"/> to every receiver; throws unless all completed.</summary>
    /// <exception cref="MulticastToolMissingException">uftp is not installed.</exception>
    public async Task<MulticastResult> SendAsync(MulticastSendOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Group.Validate();
        if (options.Receivers.Count == 0 || options.Receivers.Distinct().Count() != options.Receivers.Count)
        {
            throw new ArgumentException("a multicast send needs one or more distinct receiver ids", nameof(options));
        }

        if (options.RateKbps is < 1 or > MulticastSendOptions.MaxRateKbps)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RateKbps, $"rate must be 1..{MulticastSendOptions.MaxRateKbps} Kbit/s");
        }

        if (options.BlockBytes is < MulticastSendOptions.MinBlockBytes or > MulticastSendOptions.MaxBlockBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BlockBytes, $"block size must be {MulticastSendOptions.MinBlockBytes}..{MulticastSendOptions.MaxBlockBytes} bytes");
        }

        var file = Path.GetFullPath(options.File);
        var bytes = new FileInfo(file).Length;
        var tool = FindTool(options.Program);
        List<string> argv =
        [
            "-M", options.Group.Address, "-p", options.Group.Port.ToString(CultureInfo.InvariantCulture),
            "-H", string.Join(',', options.Receivers.Select(FormatId)),
            "-Y", "none", "-R", options.RateKbps.ToString(CultureInfo.InvariantCulture), "-x", LogLevel.ToString(CultureInfo.InvariantCulture),
            "-D", options.DestinationName ?? Path.GetFileName(file),
        ];
        if (options.Group.Interface is { } nic)
        {
            argv.AddRange(["-I", nic]);
        }

        if (options.BlockBytes is { } block)
        {
            argv.AddRange(["-b", block.ToString(CultureInfo.InvariantCulture)]);
        }

        argv.Add(file);
        var clock = Stopwatch.StartNew();
        var result = await RunAsync(tool, argv, options.CommandPrefix, new ProcessRunOptions { Timeout = options.Timeout, MaxCapturedChars = 256 * 1024 }, cancellationToken);
        clock.Stop();
        var statuses = ParseStatus(result.StandardOutput + "\n" + result.StandardError);
        var missing = options.Receivers.Where(id => !statuses.Any(s => s.ClientId == id && s.Completed)).ToList();
        if (result.TimedOut || missing.Count > 0)
        {
            var reason = result.TimedOut
                ? $"uftp did not finish within {options.Timeout.TotalSeconds:0} s"
                : $"receiver(s) {string.Join(", ", missing.Select(FormatId))} did not complete (uftp exit {result.ExitCode}): {LastLines(result)}";
            DistributionLog.MulticastFailed(_logger, file, reason);
            throw new MulticastException($"multicast of {file} failed: {reason}");
        }

        DistributionLog.MulticastFinished(_logger, file, bytes, options.Receivers.Count, options.Group.Address, clock.Elapsed.TotalSeconds);
        return new MulticastResult(file, bytes, clock.Elapsed, statuses);
    }

    /// <summary>Starts a uftpd receiver in the foreground; dispose it to stop it.</summary>
    /// <exception cref="MulticastToolMissingException">uftpd is not installed.</exception>
    public async Task<MulticastReceiver> StartReceiverAsync(MulticastReceiverOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Group.Validate();
        if (!Directory.Exists(options.DestinationDirectory))
        {
            throw new DirectoryNotFoundException($"receiver directory {options.DestinationDirectory} does not exist");
        }

        if (options.ReceiveBufferBytes is < 65536 or > 104857600)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ReceiveBufferBytes, "uftpd's receive buffer is 64 KiB..100 MiB");
        }

        var tool = FindTool(options.Program);
        List<string> argv =
        [
            "-d", "-t", "-x", LogLevel.ToString(CultureInfo.InvariantCulture), "-B", options.ReceiveBufferBytes.ToString(CultureInfo.InvariantCulture),
            "-M", options.Group.Address, "-p", options.Group.Port.ToString(CultureInfo.InvariantCulture),
            "-U", FormatId(options.ClientId), "-D", Path.GetFullPath(options.DestinationDirectory),
        ];
        if (options.Group.Interface is { } nic)
        {
            argv.AddRange(["-I", nic]);
        }

        var (file, args) = Wrap(tool, argv, options.CommandPrefix);
        var receiver = MulticastReceiver.Start(options.ClientId, file, args);
        try
        {
            await receiver.WaitStartedAsync(options.StartTimeout, cancellationToken);
            return receiver;
        }
        catch
        {
            await receiver.DisposeAsync();
            throw;
        }
    }

    /// <summary>uftp's id format: 8 hex digits with a 0x prefix.</summary>
    public static string FormatId(uint id) => string.Create(CultureInfo.InvariantCulture, $"0x{id:X8}");

    /// <summary>Reads uftp's "Transfer status" lines (<c>Host: 0x00000002   Status: Completed   time:   2.340 seconds</c>).</summary>
    internal static IReadOnlyList<MulticastReceiverStatus> ParseStatus(string output)
        => [.. StatusLine().Matches(output).Select(m => new MulticastReceiverStatus(
            uint.Parse(m.Groups["id"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            m.Groups["status"].Value,
            m.Groups["time"].Success ? double.Parse(m.Groups["time"].Value, CultureInfo.InvariantCulture) : null))];

    internal static string FindTool(string tool)
    {
        if (tool.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(tool) ? tool : throw new MulticastToolMissingException(tool);
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new MulticastToolMissingException(tool);
    }

    private static (string File, List<string> Arguments) Wrap(string tool, List<string> argv, IReadOnlyList<string> prefix)
        => prefix.Count == 0 ? (tool, argv) : (prefix[0], [.. prefix.Skip(1), tool, .. argv]);

    private static Task<ProcessResult> RunAsync(string tool, List<string> argv, IReadOnlyList<string> prefix, ProcessRunOptions options, CancellationToken cancellationToken)
    {
        var (file, args) = Wrap(tool, argv, prefix);
        return ProcessRunner.RunAsync(file, args, options, cancellationToken);
    }

    private static string LastLines(ProcessResult result)
        => string.Join(" | ", (result.StandardError + "\n" + result.StandardOutput).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));

    [GeneratedRegex(@"Host:\s+0x(?<id>[0-9A-Fa-f]{1,8})\s+Status:\s+(?<status>\w+)(\s+time:\s+(?<time>[0-9]+(\.[0-9]+)?))?", RegexOptions.CultureInvariant)]
    private static partial Regex StatusLine();
}
