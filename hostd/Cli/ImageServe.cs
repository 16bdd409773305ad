using System.Globalization;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Nbd.Server;
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
            var endpoints = new ServeEndpoints(options.Name, options.UnixSocket, options.Tcp, options.Json);
            await ServeAsync(endpoints, export, uris => new { export = options.Name, file = export.Path, size = export.Size, readOnly = export.ReadOnly, listening = uris }, run, output);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Serves <paramref name="export"/> on the endpoints until <paramref name="run"/> is stopped, printing the
    /// <c>listening:</c> lines first and the statistics last; returns those statistics.</summary>
    internal static async Task<NbdExportStatistics> ServeAsync(
        ServeEndpoints endpoints, INbdExport export, Func<IReadOnlyList<string>, object> describe, ForegroundRun run, TextWriter output)
    {
        var exports = new NbdExportSet();
        exports.Add(endpoints.Name, export);
        exports.DefaultExport = endpoints.Name;
        var servers = new List<NbdServer>();
        try
        {
            var uris = new List<string>();
            if (endpoints.UnixSocket is { } socketPath)
            {
                servers.Add(NbdServer.ListenUnix(socketPath, exports, loggerFactory: run.LoggerFactory));
                uris.Add($"nbd+unix:///{Uri.EscapeDataString(endpoints.Name)}?socket={socketPath}");
            }

            if (endpoints.Tcp is { } endPoint)
            {
                var server = NbdServer.ListenTcp(endPoint, exports, loggerFactory: run.LoggerFactory);
                servers.Add(server);
                uris.Add($"nbd://{server.LocalEndPoint}/{Uri.EscapeDataString(endpoints.Name)}");
            }

            await PrintStartAsync(endpoints.Json, uris, describe(uris), output);
            await run.WaitForStopAsync();
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }

        var statistics = exports.StatisticsOf(endpoints.Name)!;
        await PrintStopAsync(endpoints.Json, statistics, output);
        return statistics;
    }

    private static async Task PrintStartAsync(bool json, List<string> uris, object description, TextWriter output)
    {
        if (json)
        {
            await output.WriteLineAsync(CliOutput.ToJson(description).ReplaceLineEndings(" "));
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

    private static async Task PrintStopAsync(bool json, NbdExportStatistics statistics, TextWriter output)
    {
        if (json)
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
