using System.Globalization;
using System.Net.Sockets;
using Jumpstart.Hostd.Images;
using Jumpstart.Shared.Cli;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// The pseudo-image modes of the CLI: <c>jumpstart image serve --upstream URI --cache DIR</c> (a pseudo image served in
/// the foreground) and <c>jumpstart image fill</c> (a cache directory filled offline into a full replica).
/// </summary>
public static class PseudoImageCli
{
    private const double BytesPerMegabyte = 1_000_000;
    private const string FillPrefix = "fill: ";

    /// <summary>Serves the pseudo image until SIGINT/SIGTERM; <c>listening:</c> lines as for a file export.</summary>
    public static async Task<int> ServeAsync(PseudoImageCliOptions options, ServeEndpoints endpoints, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endpoints);
        using var run = new ForegroundRun(cancellationToken, LogLevel.Information);
        return await WithImageAsync(options, run.LoggerFactory, error, run.Stopping, async (set, image) =>
        {
            var replay = options.Replay is null ? Task.CompletedTask : image.ReplayAsync(options.Replay, run.Stopping);
            await ImageServe.ServeAsync(
                endpoints,
                image,
                uris => new { export = endpoints.Name, upstreams = set.Replicas, cache = options.CacheDirectory, size = image.Size, listening = uris },
                run,
                output);
            await Observe(replay, error);
            await PrintStatusAsync(image.Status, endpoints.Json, output);
            return ExitCodes.Ok;
        });
    }

    /// <summary>Fetches every missing extent at most <paramref name="megabytesPerSecond"/> (0: unlimited), with progress
    /// lines on stderr; prints the final status on stdout.</summary>
    public static async Task<int> FillAsync(PseudoImageCliOptions options, double megabytesPerSecond, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var run = new ForegroundRun(cancellationToken, LogLevel.Warning);
        return await WithImageAsync(options, run.LoggerFactory, error, run.Stopping, async (_, image) =>
        {
            await image.FillAsync((long)(megabytesPerSecond * BytesPerMegabyte), new LineProgress(error), run.Stopping);
            await PrintStatusAsync(image.Status, json, output);
            return ExitCodes.Ok;
        });
    }

    private static async Task<int> WithImageAsync(
        PseudoImageCliOptions options, ILoggerFactory loggerFactory, TextWriter error, CancellationToken cancellationToken, Func<ReplicaSet, PseudoImage, Task<int>> body)
    {
        ReplicaSet set;
        try
        {
            set = await ReplicaSet.ConnectAsync(
                options.Upstreams.Select(uri => ReplicaSource.ForNbd(uri)),
                new ReplicaSetOptions { RequireSameSize = options.SizeCheck },
                loggerFactory.CreateLogger<ReplicaSet>(),
                cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            await error.WriteLineAsync($"jumpstart: no upstream could be reached: {ex.Message}");
            return ExitCodes.Unavailable;
        }

        await using (set)
        {
            PseudoImage image;
            try
            {
                image = await PseudoImage.OpenAsync(
                    new PseudoImageOptions
                    {
                        CacheDirectory = options.CacheDirectory,
                        Identity = options.Name,
                        ExtentSize = options.ExtentSize,
                        ReadAheadExtents = options.ReadAhead,
                        RecordAccessPath = options.RecordAccess,
                        Description = $"pseudo image of {set.Name}",
                    },
                    set,
                    loggerFactory.CreateLogger<PseudoImage>(),
                    cancellationToken);
            }
            catch (PseudoImageCacheException ex)
            {
                await error.WriteLineAsync($"jumpstart: cache refused: {ex.Message}");
                return ExitCodes.DataError;
            }
            catch (ArgumentException ex)
            {
                throw new CliUsageException(ex.Message);
            }

            await using (image)
            {
                return await body(set, image);
            }
        }
    }

    private static async Task Observe(Task replay, TextWriter error)
    {
        try
        {
            await replay;
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            await error.WriteLineAsync($"jumpstart: replay failed: {ex.Message}");
        }
    }

    private static async Task PrintStatusAsync(PseudoImageStatus status, bool json, TextWriter output)
    {
        if (json)
        {
            await output.WriteLineAsync(CliOutput.ToJson(new { pseudo = status, complete = status.Complete }).ReplaceLineEndings(" "));
            return;
        }

        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"pseudo: {status.ExtentsPresent}/{status.ExtentsTotal} extents present ({status.BytesPresent} of {status.Size} bytes{(status.Complete ? ", complete" : string.Empty)}), "
            + $"{status.BytesFetched} bytes fetched from {status.Upstream}, {status.Hits} hits, {status.Misses} misses"));
    }

    /// <summary>Prints each report as it comes (FillAsync reports from its own loop, so lines stay in order).</summary>
    private sealed class LineProgress(TextWriter error) : IProgress<FillProgress>
    {
        public void Report(FillProgress value) => error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{FillPrefix}{value.Fraction * 100:0.0}% {value.BytesPresent}/{value.BytesTotal} bytes, {value.BytesPerSecond / BytesPerMegabyte:0.0} MB/s, {value.Elapsed.TotalSeconds:0.0} s"));
    }
}
