using System.CommandLine;
using System.Globalization;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// The <c>jumpstart image</c> subcommands that act on the local hostd's image service: add (file, pre-deployed copy or pseudo),
/// list, remove, stats, switch. <c>image fill IMAGE</c> lives with the offline fill in <see cref="ImageCommands"/>.
/// </summary>
public static class ImageHostCommands
{
    /// <summary>Adds the hostd-backed subcommands to the <c>image</c> group.</summary>
    public static void AddTo(Command image)
    {
        ArgumentNullException.ThrowIfNull(image);
        image.Subcommands.Add(CreateAdd(HostdCall.CreateOptions()));
        image.Subcommands.Add(CreateList(HostdCall.CreateOptions()));
        image.Subcommands.Add(CreateRemove(HostdCall.CreateOptions()));
        image.Subcommands.Add(CreateStats(HostdCall.CreateOptions()));
        image.Subcommands.Add(CreateSwitch(HostdCall.CreateOptions()));
    }

    /// <summary>Each subcommand carries its own --socket/--json: <c>image serve</c> has a --json of its own.</summary>
    private static Command WithHostdOptions(Command command, HostdCall.Options options)
    {
        command.Options.Add(options.Socket);
        command.Options.Add(options.Json);
        return command;
    }

    private static Command CreateAdd(HostdCall.Options options)
    {
        var name = new Argument<string>("name") { Description = "Export name VMs and peers use." };
        var file = new Option<string?>("--file") { Description = "A raw image file on this host: serve it as a real image." };
        var upstream = new Option<string[]>("--upstream") { Description = "Pseudo image: an NBD URI to fetch missing blocks from (repeat for fail-over replicas, first preferred).", AllowMultipleArgumentsPerToken = false };
        var extent = new Option<string?>("--extent-size") { Description = "Pseudo image: bytes fetched per miss (default 1MiB)." };
        var replay = new Option<string?>("--replay") { Description = "Pseudo image: replay this access log right away (prefetch a boot working set)." };
        var description = new Option<string?>("--description") { Description = "Shown by nbdinfo and 'image list'." };
        var copyFrom = new Option<string?>("--copy-from") { Description = "Pre-deployment: copy the image here from this NBD URI first, then serve the copy." };
        var streams = new Option<int>("--streams") { Description = "With --copy-from: reads in flight.", DefaultValueFactory = _ => 4 };
        var regions = new Option<string?>("--regions") { Description = "With --copy-from: copy only OFFSET:LENGTH[,...] (the rest stays a hole)." };
        var command = new Command("add", "Serve an image from this host's hostd: a raw file (real image), a copy pre-deployed from a peer, or a pseudo image over upstream replicas.")
        {
            name, file, upstream, extent, replay, description, copyFrom, streams, regions,
        };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var request = new ImageAddRequest
            {
                Name = parse.GetRequiredValue(name),
                File = parse.GetValue(file) is { } path ? Path.GetFullPath(path) : null,
                Upstreams = parse.GetValue(upstream) is { Length: > 0 } upstreams ? upstreams : null,
                ExtentSize = parse.GetValue(extent) is { } size ? checked((int)CliUsageException.Parse("--extent-size", () => Quantities.ParseBytes(size))) : null,
                ReplayLog = parse.GetValue(replay) is { } log ? Path.GetFullPath(log) : null,
                Description = parse.GetValue(description),
            };
            var source = parse.GetValue(copyFrom);
            if ((request.File is null ? 0 : 1) + (request.Upstreams is null ? 0 : 1) + (source is null ? 0 : 1) != 1)
            {
                throw new CliUsageException("give one of --file (a real image), --copy-from (a pre-deployed copy) or --upstream (a pseudo image)");
            }

            var info = source is null
                ? await connection.InvokeAsync<ImageInfo>(HostMethods.ImageAdd, request, cancellationToken)
                : await connection.InvokeAsync<ImageInfo>(
                    HostMethods.ImageReplicate,
                    new ImageReplicateRequest { Name = request.Name, From = source, Streams = parse.GetValue(streams), Regions = parse.GetValue(regions) },
                    cancellationToken);
            await CliOutput.WriteAsync(output, json, info, i => $"serving {i.Name} ({i.Kind}, {i.Size} bytes) at {i.LocalUri}");
            return ExitCodes.Ok;
        }));
        return WithHostdOptions(command, options);
    }

    private static Command CreateList(HostdCall.Options options)
    {
        var command = new Command("list", "List the images this host serves.");
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var list = await connection.InvokeAsync<ImageInfo[]>(HostMethods.ImageList, cancellationToken: cancellationToken);
            await CliOutput.WriteAsync(output, json, list, FormatList);
            return ExitCodes.Ok;
        }));
        return WithHostdOptions(command, options);
    }

    private static Command CreateRemove(HostdCall.Options options)
    {
        var name = new Argument<string>("name") { Description = "The image." };
        var command = new Command("remove", "Stop serving an image (its files stay on disk).") { name };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            await connection.InvokeAsync<bool>(HostMethods.ImageRemove, new NameRequest { Name = parse.GetRequiredValue(name) }, cancellationToken);
            await CliOutput.WriteAsync(output, json, new { removed = parse.GetRequiredValue(name) }, _ => $"removed {parse.GetRequiredValue(name)}");
            return ExitCodes.Ok;
        }));
        return WithHostdOptions(command, options);
    }

    private static Command CreateStats(HostdCall.Options options)
    {
        var name = new Argument<string>("name") { Description = "The image." };
        var command = new Command("stats", "An image's NBD counters (requests, bytes, rate, latency) and, for a pseudo image, hits, misses and fetched bytes.") { name };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var stats = await connection.InvokeAsync<ImageStats>(HostMethods.ImageStats, new NameRequest { Name = parse.GetRequiredValue(name) }, cancellationToken);
            await CliOutput.WriteAsync(output, json, stats, FormatStats);
            return ExitCodes.Ok;
        }));
        return WithHostdOptions(command, options);
    }

    private static Command CreateSwitch(HostdCall.Options options)
    {
        var name = new Argument<string>("name") { Description = "A pseudo image." };
        var upstream = new Argument<string>("upstream") { Description = "The replica's NBD URI (added if new)." };
        var command = new Command("switch", "Send a pseudo image's misses to another replica now, without disconnecting its VMs (VM re-direction).") { name, upstream };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var request = new ImageSwitchRequest { Name = parse.GetRequiredValue(name), Upstream = parse.GetRequiredValue(upstream) };
            var info = await connection.InvokeAsync<ImageInfo>(HostMethods.ImageSwitch, request, cancellationToken);
            await CliOutput.WriteAsync(output, json, info, i => $"{i.Name} now fetches from {i.ActiveUpstream}");
            return ExitCodes.Ok;
        }));
        return WithHostdOptions(command, options);
    }

    private static string FormatList(ImageInfo[] list) => list.Length == 0
        ? "no images"
        : string.Join('\n', [
            $"{"NAME",-20} {"KIND",-6} {"SIZE",10} {"PRESENT",8} {"SOURCE",-40}",
            .. list.Select(i => $"{i.Name,-20} {i.Kind,-6} {Quantities.FormatBytes(i.Size),10} {Percent(i),8} {i.File ?? i.ActiveUpstream ?? "-",-40}{(i.Problem is { } problem ? $"  ({problem})" : string.Empty)}")]);

    private static string Percent(ImageInfo image)
        => image.Size == 0 ? "-" : (100.0 * image.PresentBytes / image.Size).ToString("F1", CultureInfo.InvariantCulture) + "%";

    private static string FormatStats(ImageStats stats)
    {
        var lines = new List<string> { $"image: {stats.Image.Name} ({stats.Image.Kind}, {Quantities.FormatBytes(stats.Image.Size)})" };
        if (stats.Export is { } export)
        {
            lines.Add($"connections: {export.Connections}");
            lines.Add($"requests: {export.Requests} ({export.Reads} reads, {export.Errors} errors)");
            lines.Add($"bytes_read: {export.BytesRead}");
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"rate: {export.RequestsPerSecond:F1} req/s, {export.BytesPerSecond / 1e6:F1} MB/s"));
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"latency_us: mean {export.RecentMeanLatencyMicroseconds:F0} (recent), p50 <= {export.LatencyPercentileMicroseconds(50):F0}, p99 <= {export.LatencyPercentileMicroseconds(99):F0}"));
        }

        if (stats.Image.Kind == "pseudo")
        {
            lines.Add($"present: {Percent(stats.Image)} ({stats.Image.PresentBytes} bytes)");
            lines.Add($"hits: {stats.Hits}, misses: {stats.Misses}, fetched: {stats.BytesFetched} bytes from {stats.Image.ActiveUpstream}");
        }

        return string.Join('\n', lines);
    }
}
