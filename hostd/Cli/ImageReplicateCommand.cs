using System.CommandLine;
using System.Globalization;
using Jumpstart.Hostd.Images.Distribution;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Nbd.Client;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart image replicate</c>: pre-deployment. Unicast copies an image (NBD URI or local file) to one
/// or more local paths with parallel streams (whole image or <c>--regions</c>); <c>--multicast</c> sends a local
/// image file once to uftpd receivers with uftp. Progress goes to stderr, the result to stdout.
/// </summary>
public static class ImageReplicateCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "Source: nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=PATH, or a raw image file.", Required = true };
        var to = new Option<string[]>("--to") { Description = "Destination file (repeat for k copies, made in parallel); with --multicast: the file name on the receivers.", Required = true };
        var streams = new Option<int>("--streams") { Description = "Reads in flight per destination.", DefaultValueFactory = _ => 4 };
        var regions = new Option<string?>("--regions") { Description = "Copy only these ranges, OFFSET:LENGTH[,...] (e.g. 0:64MiB,1GiB:128MiB); the rest stays a hole." };
        var chunk = new Option<string?>("--chunk-size") { Description = "Bytes per read (default 1MiB)." };
        var multicast = new Option<bool>("--multicast") { Description = "Send once to a group of uftpd receivers instead (Debian package uftp)." };
        var group = new Option<string?>("--group") { Description = "Multicast: public group address (default 230.4.4.1)." };
        var port = new Option<int>("--port") { Description = "Multicast: UDP port.", DefaultValueFactory = _ => MulticastGroup.DefaultPort };
        var receivers = new Option<string[]>("--receiver") { Description = "Multicast: a receiver's uftpd id (-U), e.g. 0x0a000002; repeat for each.", AllowMultipleArgumentsPerToken = true };
        var nic = new Option<string?>("--interface") { Description = "Multicast: interface to send on." };
        var rate = new Option<string?>("--rate") { Description = "Multicast: send rate, e.g. 200Mbit/s (default 200Mbit/s)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var command = new Command("replicate", "Pre-deploy an image: copy it to k destinations (unicast, parallel streams) or multicast it with uftp.")
        {
            from, to, streams, regions, chunk, multicast, group, port, receivers, nic, rate, json,
        };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var destinations = parse.GetValue(to) ?? [];
            if (parse.GetValue(multicast))
            {
                return await MulticastAsync(parse, from, destinations, group, port, receivers, nic, rate, json, output, cancellationToken);
            }

            var options = new CopyOptions
            {
                Streams = parse.GetValue(streams),
                ChunkSize = parse.GetValue(chunk) is { } c ? (int)Math.Min(int.MaxValue, CliUsageException.Parse("--chunk-size", () => Quantities.ParseBytes(c))) : 1024 * 1024,
                Regions = parse.GetValue(regions) is { } r ? CliUsageException.Parse("--regions", () => ImageRegion.ParseList(r)) : null,
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new CliUsageException(ex.Message.Split(Environment.NewLine)[0]);
            }

            await using var source = await OpenSourceAsync(parse.GetValue(from)!, cancellationToken);
            var progress = new ConsoleProgress(error);
            IReadOnlyList<CopyResult> results;
            try
            {
                results = await new ImageCopier().ReplicateAsync(source, destinations, options, progress, cancellationToken);
            }
            catch (ArgumentException ex) when (ex is not ArgumentNullException)
            {
                throw new CliUsageException(ex.Message.Split(Environment.NewLine)[0]);
            }

            await CliOutput.WriteAsync(output, parse.GetValue(json), results, list => string.Join('\n', list.Select(x => string.Create(CultureInfo.InvariantCulture,
                $"{x.Destination}: {Quantities.FormatBytes(x.BytesCopied)} in {x.Elapsed.TotalSeconds:0.00} s ({Quantities.FormatRate(x.BytesPerSecond)}), {Quantities.FormatBytes(x.BytesWritten)} written, rest holes"))));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<int> MulticastAsync(
        ParseResult parse, Option<string> from, string[] destinations, Option<string?> group, Option<int> port, Option<string[]> receivers,
        Option<string?> nic, Option<string?> rate, Option<bool> json, TextWriter output, CancellationToken cancellationToken)
    {
        var file = parse.GetValue(from)!;
        if (file.StartsWith("nbd", StringComparison.OrdinalIgnoreCase) || !File.Exists(file))
        {
            throw new CliUsageException("--multicast sends a local image file: give --from FILE (copy an NBD image locally first)");
        }

        if (destinations.Length != 1)
        {
            throw new CliUsageException("--multicast takes one --to NAME (the file name on every receiver)");
        }

        var ids = (parse.GetValue(receivers) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(ParseId).ToList();
        if (ids.Count == 0)
        {
            throw new CliUsageException("--multicast needs --receiver ID for each uftpd receiver");
        }

        var bytesPerSecond = parse.GetValue(rate) is { } r ? CliUsageException.Parse("--rate", () => Quantities.ParseRate(r)) : 25e6;
        var options = new MulticastSendOptions
        {
            File = file,
            DestinationName = destinations[0],
            Receivers = ids,
            Group = new MulticastGroup(parse.GetValue(group) ?? MulticastGroup.DefaultAddress, parse.GetValue(port), parse.GetValue(nic)),
            RateKbps = Math.Max(1, (long)(bytesPerSecond * 8 / 1000)),
            BlockBytes = MulticastDistributor.BlockBytesFor(parse.GetValue(nic)),
        };
        MulticastResult result;
        try
        {
            result = await new MulticastDistributor().SendAsync(options, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException(ex.Message.Split(Environment.NewLine)[0]);
        }
        catch (MulticastToolMissingException ex)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"jumpstart: {ex.Message}");
            return ExitCodes.Unavailable;
        }
        catch (MulticastException ex)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"jumpstart: {ex.Message}");
            return ExitCodes.Unavailable;
        }

        await CliOutput.WriteAsync(output, parse.GetValue(json), result, x => string.Create(CultureInfo.InvariantCulture,
            $"multicast {Quantities.FormatBytes(x.Bytes)} to {x.Receivers.Count(s => s.Completed)} receivers in {x.Elapsed.TotalSeconds:0.00} s ({Quantities.FormatRate(x.BytesPerSecond)})"));
        return ExitCodes.Ok;
    }

    private static async Task<IBlockSource> OpenSourceAsync(string from, CancellationToken cancellationToken)
    {
        if (from.StartsWith("nbd", StringComparison.OrdinalIgnoreCase))
        {
            if (!NbdUri.TryParse(from, out var uri, out var problem))
            {
                throw new CliUsageException($"--from: {problem}");
            }

            return await NbdClient.ConnectAsync(uri!, cancellationToken: cancellationToken);
        }

        return FileBlockSource.Open(from);
    }

    private static uint ParseId(string text)
    {
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return uint.TryParse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var id) && id != 0
            ? id
            : throw new CliUsageException($"--receiver '{text}' is not a uftpd id (hex, e.g. 0x0a000002)");
    }

    /// <summary>One progress line per report on stderr: destination, percent, rate, time left.</summary>
    private sealed class ConsoleProgress(TextWriter error) : IProgress<CopyProgress>
    {
        private readonly Lock _gate = new();

        public void Report(CopyProgress value)
        {
            var percent = value.BytesTotal > 0 ? 100.0 * value.BytesDone / value.BytesTotal : 100;
            var eta = value.Remaining is { } left ? $", {left.TotalSeconds:0} s left" : "";
            lock (_gate)
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(value.Destination)}: {percent,5:0.0}% {Quantities.FormatBytes(value.BytesDone)} of {Quantities.FormatBytes(value.BytesTotal)}, {Quantities.FormatRate(value.BytesPerSecond)}{eta}"));
            }
        }
    }
}
