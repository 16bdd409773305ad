using System.Globalization;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Nbd;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// Runs <c>jumpstart image serve</c>: an in-process <see cref="NbdServer"/> for one export until SIGINT or SIGTERM,
/// then prints the export's statistics.
/// </summary>
public static class ImageServe
{
    /// <summary>Prefix of the lines scripts wait for, one per endpoint, followed by the NBD URI.</summary>
    public const string ListeningPrefix = "listening: ";

    public static async Task<int> RunAsync(ImageServeOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var run = new ForegroundRun(cancellationToken, LogLevel.Warning);
        FileExport export;
        try
        {
            export = FileExport.Open(options.File, readOnly: !options.Writable, description: Path.GetFileName(options.File));
        }
        catch (UnauthorizedAccessException ex)
        {
            // sysexits: EX_NOINPUT is "an input file did not exist or was not readable".
            await error.WriteLineAsync($"jumpstart: cannot open {options.File}: {ex.Message}");
            return ExitCodes.NoInput;
        }

        using (export)
        {
            var exports = new NbdExportSet();
            exports.Add(options.Name, export);
            exports.DefaultExport = options.Name;
            var servers = new List<NbdServer>();
            try
            {
                var uris = new List<string>();
                if (options.UnixSocket is { } socketPath)
                {
                    servers.Add(NbdServer.ListenUnix(socketPath, exports, loggerFactory: run.LoggerFactory));
                    uris.Add($"nbd+unix:///{Uri.EscapeDataString(options.Name)}?socket={socketPath}");
                }

                if (options.Tcp is { } endPoint)
                {
                    var server = NbdServer.ListenTcp(endPoint, exports, loggerFactory: run.LoggerFactory);
                    servers.Add(server);
                    uris.Add($"nbd://{server.LocalEndPoint}/{Uri.EscapeDataString(options.Name)}");
                }

                await PrintStartAsync(options, export, uris, output);
                await run.WaitForStopAsync();
            }
            finally
            {
                foreach (var server in servers)
                {
                    await server.DisposeAsync();
                }
            }

            await PrintStopAsync(options, exports.StatisticsOf(options.Name)!, output);
        }

        return ExitCodes.Ok;
    }

    private static async Task PrintStartAsync(ImageServeOptions options, FileExport export, List<string> uris, TextWriter output)
    {
        if (options.Json)
        {
            await output.WriteLineAsync(CliOutput.ToJson(new { export = options.Name, file = export.Path, size = export.Size, readOnly = export.ReadOnly, listening = uris })
                .ReplaceLineEndings(" "));
        }
        else
        {
            foreach (var uri in uris)
            {
                await output.WriteLineAsync(ListeningPrefix + uri);
            }
        }

        await output.FlushAsync(CancellationToken.None);
    }

    private static async Task PrintStopAsync(ImageServeOptions options, NbdExportStatistics statistics, TextWriter output)
    {
        if (options.Json)
        {
            await output.WriteLineAsync(CliOutput.ToJson(new { stopped = statistics }).ReplaceLineEndings(" "));
            return;
        }

        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"stopped: {statistics.Requests} requests ({statistics.Reads} reads, {statistics.BytesRead} bytes read, "
            + $"{statistics.BytesWritten} bytes written, {statistics.Errors} errors), p99 latency <= {statistics.LatencyPercentileMicroseconds(99)} µs"));
    }
}
