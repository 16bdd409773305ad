using System.CommandLine;
using Jumpstart.Hostd.Api;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Hostd.Store;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cli;

public static partial class StoreCommands
{
    private static Command CreatePut()
    {
        var path = new Argument<string?>("PATH") { Description = "A file, or a directory (e.g. a state bundle) stored as a tar stream; '-' reads stdin.", Arity = ArgumentArity.ZeroOrOne };
        var bundle = new Option<string?>("--bundle") { Description = "Store this bundle of the local hostd instead of PATH (hostd reads it; needs the control socket)." };
        var name = new Option<string?>("--name") { Description = "Name in the catalog (default: the file, directory or bundle name)." };
        var servers = new Option<string?>("--servers") { Description = "Comma-separated servers to spread over, in order (default: all registered)." };
        var blockSize = new Option<string?>("--block-size") { Description = "Block length, e.g. 1MiB (default), 4KiB-8MiB." };
        var replace = new Option<bool>("--replace") { Description = "Replace a stored file of the same name." };
        var db = DbOption();
        var json = JsonOption();
        var socket = HostdConnection.CreateSocketOption();
        var put = new Command("put", "Encrypt a file and spread it as XOR combinations over block servers.") { path, bundle, name, servers, blockSize, replace, db, json, socket };
        put.SetAction((parse, cancellationToken) =>
        {
            var serverList = parse.GetValue(servers)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            int? BlockSize() => parse.GetValue(blockSize) is { } b ? checked((int)CliUsageException.Parse("--block-size", () => Quantities.ParseBytes(b))) : null;
            if (parse.GetValue(bundle) is { } bundleName)
            {
                return HostdCall.RunAsync(parse, new HostdCall.Options(socket, json), cancellationToken, async (connection, asJson, output) =>
                {
                    if (parse.GetValue(path) is not null)
                    {
                        throw new CliUsageException("give PATH or --bundle, not both");
                    }

                    var request = new StorePutRequest { Bundle = bundleName, Name = parse.GetValue(name), Servers = serverList, BlockSize = BlockSize(), Replace = parse.GetValue(replace) };
                    var stored = await connection.InvokeAsync<StorePutResult>(HostMethods.StorePut, request, cancellationToken);
                    await WritePutAsync(output, asJson, stored);
                    return ExitCodes.Ok;
                });
            }

            if (parse.GetValue(db) is null)
            {
                return HostdCall.RunAsync(parse, new HostdCall.Options(socket, json), cancellationToken, async (connection, asJson, output) =>
                {
                    var source = parse.GetValue(path) is { } p && p != "-" ? Path.GetFullPath(p) : throw new CliUsageException("give PATH (hostd reads it), or --db CATALOG to store stdin as the fog yourself");
                    var request = new StorePutRequest { Path = source, Name = parse.GetValue(name), Servers = serverList, BlockSize = BlockSize(), Replace = parse.GetValue(replace) };
                    await WritePutAsync(output, asJson, await connection.InvokeAsync<StorePutResult>(HostMethods.StorePut, request, cancellationToken));
                    return ExitCodes.Ok;
                });
            }

            return RunAsync(parse, async (output, error) =>
            {
                var source = parse.GetValue(path) ?? throw new CliUsageException("give PATH (or --bundle NAME)");
                var options = new PutOptions
                {
                    Name = parse.GetValue(name) ?? (source == "-" ? throw new CliUsageException("--name is required when reading stdin") : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(source)))),
                    Servers = serverList,
                    BlockSize = BlockSize() ?? StoreLimits.DefaultBlockSize,
                    Replace = parse.GetValue(replace),
                };
                using var catalog = await OpenCatalogAsync(parse.GetValue(db)!, cancellationToken);
                using var logs = Logs(error);
                var store = new FogStore(catalog, logs.CreateLogger<FogStore>());
                PutResult result;
                if (source == "-")
                {
                    await using var input = Console.OpenStandardInput();
                    result = await store.PutAsync(input, options, new TransferProgress(error, "put", null), cancellationToken);
                }
                else
                {
                    var total = File.Exists(source) ? new FileInfo(source).Length : (long?)null;
                    result = await store.PutPathAsync(source, options, new TransferProgress(error, "put", total), cancellationToken);
                }

                await WritePutAsync(output, parse.GetValue(json), StoreReports.ToPutResult(result));
                return ExitCodes.Ok;
            });
        });
        return put;
    }

    private static async Task WritePutAsync(TextWriter output, bool json, StorePutResult result)
    {
        var file = result.File;
        var summary = new
        {
            name = file.Name,
            kind = file.Kind,
            length = file.Length,
            blockSize = file.BlockSize,
            servers = file.Servers,
            stripes = file.Stripes,
            combinations = result.Combinations,
            storedBytes = result.StoredBytes,
            seconds = result.Seconds,
            mbPerSecond = StoreReports.MegabytesPerSecond(file.Length, result.Seconds),
        };
        await CliOutput.WriteAsync(output, json, summary, _ => StoreReports.Describe(result));
    }

    private static Command CreateGet()
    {
        var name = new Argument<string>("NAME") { Description = "The stored file." };
        var outputPath = new Option<string?>("--output", "-o") { Description = "Where to write it (a directory for a stored directory); '-' writes stdout." };
        var bundle = new Option<string?>("--bundle") { Description = "Restore a stored directory as this bundle of the local hostd, then verify it (needs the control socket)." };
        var replace = new Option<bool>("--replace") { Description = "Replace an existing bundle (with --bundle) or a non-empty output directory of that name." };
        var db = DbOption();
        var json = JsonOption();
        var socket = HostdConnection.CreateSocketOption();
        var get = new Command("get", "Fetch, verify, rebuild and decrypt a stored file.") { name, outputPath, bundle, replace, db, json, socket };
        get.SetAction((parse, cancellationToken) =>
        {
            if (parse.GetValue(bundle) is { } bundleName)
            {
                return HostdCall.RunAsync(parse, new HostdCall.Options(socket, json), cancellationToken, async (connection, asJson, output) =>
                {
                    if (parse.GetValue(outputPath) is not null)
                    {
                        throw new CliUsageException("give --output or --bundle, not both");
                    }

                    var request = new StoreGetRequest { Name = parse.GetRequiredValue(name), Bundle = bundleName, Replace = parse.GetValue(replace) };
                    var result = await connection.InvokeAsync<StoreGetResult>(HostMethods.StoreGet, request, cancellationToken);
                    await CliOutput.WriteAsync(output, asJson, result, r =>
                        $"restored {r.Name} ({r.Length} bytes) as bundle {bundleName} in {r.Seconds:F2} s"
                        + StoreReports.WorkedAround(r.UnreachableServers.Keys, r.BadServers)
                        + (r.BundleVerified == true ? "; bundle verified" : $"; BUNDLE FAILS VERIFICATION: {r.BundleProblem}"));
                    return result.BundleVerified == true ? ExitCodes.Ok : ExitCodes.DataError;
                });
            }

            if (parse.GetValue(db) is null)
            {
                return HostdCall.RunAsync(parse, new HostdCall.Options(socket, json), cancellationToken, async (connection, asJson, output) =>
                {
                    var target = parse.GetValue(outputPath) is { } o && o != "-" ? Path.GetFullPath(o) : throw new CliUsageException("give --output PATH (hostd writes it) or --bundle NAME, or --db CATALOG to write stdout as the fog yourself");
                    var request = new StoreGetRequest { Name = parse.GetRequiredValue(name), Path = target, Replace = parse.GetValue(replace) };
                    var result = await connection.InvokeAsync<StoreGetResult>(HostMethods.StoreGet, request, cancellationToken);
                    await CliOutput.WriteAsync(output, asJson, result, r =>
                        $"got {r.Name} ({r.Length} bytes) in {r.Seconds:F2} s" + StoreReports.WorkedAround(r.UnreachableServers.Keys, r.BadServers));
                    return ExitCodes.Ok;
                });
            }

            return RunAsync(parse, async (output, error) =>
            {
                var target = parse.GetValue(outputPath) ?? throw new CliUsageException("give --output PATH (or --bundle NAME)");
                using var catalog = await OpenCatalogAsync(parse.GetValue(db)!, cancellationToken);
                using var logs = Logs(error);
                var store = new FogStore(catalog, logs.CreateLogger<FogStore>());
                var file = catalog.GetFile(parse.GetRequiredValue(name)).File;
                var progress = new TransferProgress(error, "get", file.Length);
                if (target == "-")
                {
                    await using var stdout = Console.OpenStandardOutput();
                    var streamed = await store.GetAsync(file.Name, stdout, progress, cancellationToken);
                    return await ReportGetAsync(streamed, parse.GetValue(json) ? error : TextWriter.Null, error, json: true);
                }

                var result = await store.GetToPathAsync(file.Name, target, parse.GetValue(replace), progress, cancellationToken);
                return await ReportGetAsync(result, output, error, parse.GetValue(json));
            });
        });
        return get;
    }

    private static async Task<int> ReportGetAsync(GetResult result, TextWriter output, TextWriter error, bool json)
    {
        foreach (var problem in result.Problems)
        {
            await error.WriteLineAsync($"jumpstart: store: worked around: {problem}");
        }

        var summary = new
        {
            name = result.File.Name,
            length = result.File.Length,
            seconds = result.Seconds,
            mbPerSecond = StoreReports.MegabytesPerSecond(result.File.Length, result.Seconds),
            unreachableServers = result.UnreachableServers,
            problems = result.Problems,
            badServers = StoreReports.BadServers(result.Problems),
        };
        await CliOutput.WriteAsync(output, json, summary, s =>
            $"got {s.name} ({s.length} bytes) in {s.seconds:F2} s ({s.mbPerSecond:F0} MB/s)" + StoreReports.WorkedAround(s.unreachableServers.Keys, s.badServers));
        return ExitCodes.Ok;
    }

    private static Command CreateVerify()
    {
        var name = new Argument<string>("NAME") { Description = "The stored file." };
        var db = DbOption();
        var json = JsonOption();
        var socket = HostdConnection.CreateSocketOption();
        var verify = new Command("verify", "Fetch and check every combination of a stored file (exit 0 intact, 65 damaged).") { name, db, json, socket };
        verify.SetAction((parse, cancellationToken) =>
        {
            if (parse.GetValue(db) is null)
            {
                return HostdCall.RunAsync(parse, new HostdCall.Options(socket, json), cancellationToken, async (connection, asJson, output) =>
                {
                    var report = await connection.InvokeAsync<StoreVerifyReport>(HostMethods.StoreVerify, new NameRequest { Name = parse.GetRequiredValue(name) }, cancellationToken);
                    var summary = new { name = report.Name, report.Checked, report.Intact, report.Recoverable, report.LostStripes, report.Problems };
                    await CliOutput.WriteAsync(output, asJson, summary, s => DescribeVerify(s.name, s.Checked, s.Intact, s.Recoverable, s.LostStripes, s.Problems));
                    return report.Intact ? ExitCodes.Ok : ExitCodes.DataError;
                });
            }

            return RunAsync(parse, async (output, error) =>
            {
                using var catalog = await OpenCatalogAsync(parse.GetValue(db)!, cancellationToken);
                var store = new FogStore(catalog);
                var result = await store.VerifyAsync(parse.GetRequiredValue(name), new TransferProgress(error, "verify", null), cancellationToken);
                var summary = new { name = result.File.Name, result.Checked, result.Intact, result.Recoverable, result.LostStripes, result.Problems };
                await CliOutput.WriteAsync(output, parse.GetValue(json), summary, s =>
                    DescribeVerify(s.name, s.Checked, s.Intact, s.Recoverable, s.LostStripes, [.. s.Problems.Select(p => p.ToString())]));
                return result.Intact ? ExitCodes.Ok : ExitCodes.DataError;
            });
        });
        return verify;
    }

    private static string DescribeVerify(string name, int checkedCount, bool intact, bool recoverable, IReadOnlyList<long> lost, IReadOnlyList<string> problems)
        => string.Join('\n', problems.Append(
            intact ? $"{name}: all {checkedCount} combinations intact"
            : recoverable ? $"{name}: {problems.Count} of {checkedCount} combinations bad, still recoverable (run 'store repair {name}')"
            : $"{name}: LOST: stripe(s) {string.Join(", ", lost)} cannot be rebuilt"));

    private static Command CreateRepair()
    {
        var name = new Argument<string>("NAME") { Description = "The stored file." };
        var replace = new Option<string[]>("--replace") { Description = "OLD=NEW: re-create every combination on server OLD on server NEW.", AllowMultipleArgumentsPerToken = false };
        var auto = new Option<bool>("--auto") { Description = "Replace every unreachable server of the file by a free registered server (first registered first, each once)." };
        var db = DbOption();
        var json = JsonOption();
        var socket = HostdConnection.CreateSocketOption();
        var repair = new Command("repair", "Re-create lost or corrupt combinations (exit 0 when all repaired, 65 otherwise).") { name, replace, auto, db, json, socket };
        repair.SetAction((parse, cancellationToken) => parse.GetValue(db) is null
            ? HostdCall.RunAsync(parse, new HostdCall.Options(socket, json), cancellationToken, async (connection, asJson, output) =>
            {
                var request = new StoreRepairRequest { Name = parse.GetRequiredValue(name), Replace = Replacements(parse.GetValue(replace)), Auto = parse.GetValue(auto) };
                var result = await connection.InvokeAsync<StoreRepairReport>(HostMethods.StoreRepair, request, cancellationToken);
                await WriteRepairAsync(output, asJson, result);
                return result.NotRepaired.Count == 0 ? ExitCodes.Ok : ExitCodes.DataError;
            })
            : RunAsync(parse, async (output, error) =>
        {
            var replacements = Replacements(parse.GetValue(replace));
            using var catalog = await OpenCatalogAsync(parse.GetValue(db)!, cancellationToken);
            using var logs = Logs(error);
            var store = new FogStore(catalog, logs.CreateLogger<FogStore>());
            var result = StoreReports.ToRepairReport(await store.RepairAsync(parse.GetRequiredValue(name), replacements, parse.GetValue(auto), cancellationToken));
            await WriteRepairAsync(output, parse.GetValue(json), result);
            return result.NotRepaired.Count == 0 ? ExitCodes.Ok : ExitCodes.DataError;
        }));
        return repair;
    }

    private static Dictionary<string, string> Replacements(string[]? pairs)
    {
        var replacements = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            var parts = pair.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0 || !replacements.TryAdd(parts[0], parts[1]))
            {
                throw new CliUsageException($"--replace: expected OLD=NEW once per OLD, got '{pair}'");
            }
        }

        return replacements;
    }

    private static Task WriteRepairAsync(TextWriter output, bool json, StoreRepairReport result)
    {
        var summary = new { name = result.Name, found = result.Found, recreated = result.Recreated, notRepaired = result.NotRepaired, replacements = result.Replacements, servers = result.Servers };
        return CliOutput.WriteAsync(output, json, summary, _ => StoreReports.Describe(result));
    }

    private static Command CreateList()
    {
        var db = DbOption();
        var json = JsonOption();
        var socket = HostdConnection.CreateSocketOption();
        var list = new Command("list", "List the stored files.") { db, json, socket };
        list.SetAction((parse, cancellationToken) => parse.GetValue(db) is null
            ? HostdCall.RunAsync(parse, new HostdCall.Options(socket, json), cancellationToken, async (connection, asJson, output) =>
            {
                var files = await connection.InvokeAsync<StoredFileInfo[]>(HostMethods.StoreList, cancellationToken: cancellationToken);
                await CliOutput.WriteAsync(output, asJson, files, FormatList);
                return ExitCodes.Ok;
            })
            : RunAsync(parse, async (output, _) =>
            {
                using var catalog = await OpenCatalogAsync(parse.GetValue(db)!, cancellationToken);
                await CliOutput.WriteAsync(output, parse.GetValue(json), catalog.Files().Select(StoreReports.ToInfo).ToArray(), FormatList);
                return ExitCodes.Ok;
            }));
        return list;
    }

    private static string FormatList(StoredFileInfo[] files)
        => string.Join('\n', files.Select(x => $"{x.Name}\t{x.Kind}\t{x.Length} bytes\t{x.Stripes} stripes\t{string.Join(",", x.Servers)}\t{x.Created:u}"));

    private static Command CreateRemove()
    {
        var name = new Argument<string>("NAME") { Description = "The stored file." };
        var db = DbOption();
        var socket = HostdConnection.CreateSocketOption();
        var json = JsonOption();
        var remove = new Command("remove", "Forget a stored file and delete its combinations from the servers that answer.") { name, db, socket, json };
        remove.SetAction((parse, cancellationToken) => parse.GetValue(db) is null
            ? HostdCall.RunAsync(parse, new HostdCall.Options(socket, json), cancellationToken, async (connection, _, output) =>
            {
                await connection.InvokeAsync<bool>(HostMethods.StoreRemove, new NameRequest { Name = parse.GetRequiredValue(name) }, cancellationToken);
                await output.WriteLineAsync($"removed {parse.GetRequiredValue(name)}");
                return ExitCodes.Ok;
            })
            : RunAsync(parse, async (output, _) =>
            {
                using var catalog = await OpenCatalogAsync(parse.GetValue(db)!, cancellationToken);
                await new FogStore(catalog).RemoveAsync(parse.GetRequiredValue(name), cancellationToken);
                await output.WriteLineAsync($"removed {parse.GetRequiredValue(name)}");
                return ExitCodes.Ok;
            }));
        return remove;
    }

    private static ILoggerFactory Logs(TextWriter error) => LoggerFactory.Create(builder => builder
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddSimpleConsole(o => o.SingleLine = true)
        .SetMinimumLevel(LogLevel.Error));
}
