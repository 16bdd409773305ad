using System.CommandLine;
using Jumpstart.Hostd.Traffic.Storage;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Hostd.Cli;

public static partial class FlowsCommands
{
    /// <summary>Where hostd keeps flows unless configured otherwise.</summary>
    public const string DefaultDatabase = "/var/lib/jumpstart/flows.db";

    private static Command CreateTop()
    {
        var db = DatabaseOption();
        var by = new Option<FlowOrder>("--by") { Description = "Order: Bytes or Packets.", DefaultValueFactory = _ => FlowOrder.Bytes };
        var limit = new Option<int>("--limit") { Description = "How many flows (or application rows).", DefaultValueFactory = _ => 20 };
        var vm = new Option<string?>("--vm") { Description = "Only flows captured on this VM's tap." };
        var byApp = new Option<bool>("--by-app") { Description = "Traffic per application per VM (the classifier's labels) instead of single flows." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var top = new Command("top", "The largest stored flows, or with --by-app the traffic of each application on each VM.") { db, by, limit, vm, byApp, json };
        top.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var count = Limit(parse.GetValue(limit));
            if (parse.GetValue(byApp))
            {
                using var store = await OpenExistingAsync(parse.GetRequiredValue(db), cancellationToken);
                var applications = store.TrafficByApplication(parse.GetValue(vm), count);
                await CliOutput.WriteAsync(parse.InvocationConfiguration.Output, parse.GetValue(json), applications, ApplicationTable);
                return ExitCodes.Ok;
            }

            var rows = await ReadAsync(parse.GetRequiredValue(db), new FlowQuery { OrderBy = parse.GetValue(by), Limit = count, Vm = parse.GetValue(vm) }, cancellationToken);
            await CliOutput.WriteAsync(parse.InvocationConfiguration.Output, parse.GetValue(json), rows, FormatTable);
            return ExitCodes.Ok;
        }));
        return top;
    }

    private static Command CreateExport()
    {
        var db = DatabaseOption();
        var format = new Option<string>("--format") { Description = "csv or json.", DefaultValueFactory = _ => "csv" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout." };
        var vm = new Option<string?>("--vm") { Description = "Only flows captured on this VM's tap." };
        var deployment = new Option<string?>("--deployment") { Description = "Only flows of this deployment." };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only flows that started at or after this time (ISO 8601)." };
        var limit = new Option<int>("--limit") { Description = "At most this many flows.", DefaultValueFactory = _ => FlowStore.MaxQueryRows };
        var export = new Command("export", "Export stored flows with their features (and labels) as CSV or JSON.") { db, format, output, vm, deployment, since, limit };
        export.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var kind = parse.GetRequiredValue(format);
            if (kind is not ("csv" or "json"))
            {
                throw new CliUsageException("--format must be csv or json");
            }

            var rows = await ReadAsync(parse.GetRequiredValue(db), new FlowQuery
            {
                Limit = Limit(parse.GetValue(limit)),
                Vm = parse.GetValue(vm),
                Deployment = parse.GetValue(deployment),
                Since = parse.GetValue(since),
            },
            cancellationToken);
            var path = parse.GetValue(output);
            var writer = path is null ? parse.InvocationConfiguration.Output : new StreamWriter(path);
            try
            {
                if (kind == "csv")
                {
                    await FlowCsv.WriteAsync(writer, rows, cancellationToken);
                }
                else
                {
                    await writer.WriteLineAsync(CliOutput.ToJson(rows));
                }
            }
            finally
            {
                if (path is not null)
                {
                    await writer.DisposeAsync();
                }
            }

            await parse.InvocationConfiguration.Error.WriteLineAsync($"{rows.Count} flows exported");
            return ExitCodes.Ok;
        }));
        return export;
    }

    private static Option<string> DatabaseOption() => new("--db")
    {
        Description = "A flow database of your own ('flows extract --db' wrote it, or a copy of hostd's); a running hostd's is refused.",
        DefaultValueFactory = _ => DefaultDatabase,
    };

    private static int Limit(int limit)
        => limit is > 0 and <= FlowStore.MaxQueryRows ? limit : throw new CliUsageException($"--limit must be 1..{FlowStore.MaxQueryRows}");

    private static async Task<IReadOnlyList<FlowRow>> ReadAsync(string db, FlowQuery query, CancellationToken cancellationToken)
    {
        using var store = await OpenExistingAsync(db, cancellationToken);
        return store.Query(query);
    }

    /// <summary>
    /// A flow database of the operator's own (one <c>flows extract --db</c> wrote, or a copy); a running hostd's is
    /// refused (<see cref="HostdOwnedFiles"/>). Retention is hostd's business: a reader never deletes flows.
    /// </summary>
    private static async Task<FlowStore> OpenExistingAsync(string db, CancellationToken cancellationToken)
    {
        if (!File.Exists(db))
        {
            throw new FileNotFoundException($"no flow database at {db}", db);
        }

        await HostdOwnedFiles.RequireNotHostdsAsync(db, "hostd has no flow query method yet: copy the database (sqlite3 .backup) and pass the copy", cancellationToken);
        return FlowStore.Open(db, new FlowStoreOptions { MaxAge = null, MaxFlows = long.MaxValue / 2 });
    }
}
