using System.CommandLine;
using System.Globalization;
using Jumpstart.Hostd.Traffic.Decoding;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Hostd.Traffic.Storage;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Hostd.Cli;

/// <summary><c>jumpstart flows ...</c>: flows from capture files, and the flows hostd stored.</summary>
public static partial class FlowsCommands
{
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromSeconds(2);

    public static Command Create()
    {
        var flows = new Command("flows", "Bidirectional IP flows and their features: extract from capture files, show, export and classify stored flows.");
        flows.Subcommands.Add(CreateExtract());
        flows.Subcommands.Add(CreateTop());
        flows.Subcommands.Add(CreateExport());
        flows.Subcommands.Add(CreateClassify());
        flows.Subcommands.Add(CreateStatus());
        flows.Subcommands.Add(CreateModel());
        return flows;
    }

    private static Command CreateExtract()
    {
        var file = new Argument<string>("FILE") { Description = "A pcap or pcapng capture file." };
        var json = new Option<bool>("--json") { Description = "Print counters and flows as JSON." };
        var csv = new Option<bool>("--csv") { Description = "Print flows as CSV (features and the 22 NIMS columns)." };
        var idle = new Option<double?>("--idle-timeout") { Description = "Seconds without a packet that end a flow (default 120; 0 = never)." };
        var active = new Option<double?>("--active-timeout") { Description = "Seconds after which a long flow is cut (default 1800; 0 = never)." };
        var noTcpClose = new Option<bool>("--no-tcp-close") { Description = "Do not end TCP flows on FIN/RST." };
        var maxFlows = new Option<int?>("--max-flows") { Description = "Most open flows at once; beyond it the least recently seen is evicted." };
        var db = new Option<string?>("--db") { Description = "Also store the flows in this SQLite database." };
        var tunnelLayer = new Option<TunnelLayer>("--tunnel-layer") { Description = "Which header keys a tunnelled packet's flow: inner (default) or outer (the underlay)." };
        var extract = new Command("extract", "Extract flows with features from a capture file (offline).") { file, json, csv, idle, active, noTcpClose, maxFlows, tunnelLayer, db };
        extract.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            if (parse.GetValue(json) && parse.GetValue(csv))
            {
                throw new CliUsageException("--json and --csv exclude each other");
            }

            var options = TableOptions(parse.GetValue(idle), parse.GetValue(active), parse.GetValue(noTcpClose), parse.GetValue(maxFlows))
                with { Tunnels = FlowTableOptions.TunnelsFor(parse.GetValue(tunnelLayer)) };
            return await ExtractAsync(
                parse.GetRequiredValue(file), options, parse.GetValue(json), parse.GetValue(csv), parse.GetValue(db),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
        }));
        return extract;
    }

    internal static FlowTableOptions TableOptions(double? idle, double? active, bool noTcpClose, int? maxFlows)
    {
        var options = new FlowTableOptions();
        if (idle is { } i)
        {
            options = options with { IdleTimeout = Seconds("--idle-timeout", i) };
        }

        if (active is { } a)
        {
            options = options with { ActiveTimeout = Seconds("--active-timeout", a) };
        }

        if (maxFlows is { } m)
        {
            if (m <= 0)
            {
                throw new CliUsageException("--max-flows must be positive");
            }

            options = options with { MaxActiveFlows = m };
        }

        return options with { EndOnTcpClose = !noTcpClose };
    }

    /// <summary>", unsupported link type 147: 12 packets" for each link type the decoder does not know.</summary>
    private static string UnsupportedLinks(FlowCounters counters)
        => string.Concat(counters.UnsupportedLinkTypes.OrderBy(p => p.Key).Select(p => string.Create(CultureInfo.InvariantCulture, $", unsupported link type {p.Key}: {p.Value} packets")));

    private static TimeSpan? Seconds(string option, double value)
    {
        if (double.IsNaN(value) || value < 0 || value > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw new CliUsageException($"{option} must be a number of seconds >= 0");
        }

        return value == 0 ? null : TimeSpan.FromSeconds(value);
    }

    private static async Task<int> ExtractAsync(string file, FlowTableOptions options, bool json, bool csv, string? db, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var rows = new List<FlowRow>();
        FlowCounters counters;
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var table = new FlowTable(options, flow => rows.Add(FlowRow.From(flow)));
            var extraction = Task.Run(() => FlowExtractor.ExtractFile(file, table, cancellationToken), cancellationToken);
            while (await Task.WhenAny(extraction, Task.Delay(s_progressInterval, cancellationToken)) != extraction)
            {
                // Progress for long files; the counters are plain longs the reader thread updates.
                await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{table.Counters.TotalPackets} packets, {table.Counters.FlowsCreated} flows so far"));
            }

            counters = await extraction;
        }
        catch (PcapFileException ex)
        {
            await error.WriteLineAsync($"jumpstart: bad capture file: {ex.Message}");
            return ExitCodes.DataError;
        }
        catch (PcapException ex)
        {
            await error.WriteLineAsync($"jumpstart: reading {file} failed part-way: {ex.Message}");
            return ExitCodes.DataError;
        }

        rows.Sort((x, y) => x.Id.CompareTo(y.Id));
        await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{counters.TotalPackets} packets, {rows.Count} flows ({counters.NonIpPackets} non-IP, {counters.TruncatedPackets} truncated, {counters.MalformedPackets} malformed, {counters.BadTunnelPackets} bad tunnel, {counters.TunnelledPackets} tunnelled, {counters.Evictions} evicted{UnsupportedLinks(counters)}) in {started.Elapsed.TotalSeconds:0.000} s"));

        if (db is not null)
        {
            // Capture files are history: keep their flows however old (only the count limit applies).
            await HostdOwnedFiles.RequireNotHostdsAsync(db, "give --db a file of your own", cancellationToken);
            using var store = FlowStore.Open(db, new FlowStoreOptions { MaxAge = null });
            store.Add(rows);
        }

        if (json)
        {
            await output.WriteLineAsync(CliOutput.ToJson(new { file, counters, flows = rows }));
        }
        else if (csv)
        {
            await FlowCsv.WriteAsync(output, rows, cancellationToken);
        }
        else
        {
            await output.WriteLineAsync(FormatTable(rows));
        }

        return ExitCodes.Ok;
    }
}
