using System.CommandLine;
using System.Formats.Tar;
using System.IO.Pipes;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Hostd.Store;
using Jumpstart.Shared.Cli;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cli;

public static partial class StoreCommands
{
    private static Command CreatePut()
    {
        var path = new Argument<string>("PATH") { Description = "A file, or a directory (e.g. a state bundle) stored as a tar stream; '-' reads stdin." };
        var name = new Option<string?>("--name") { Description = "Name in the catalog (default: the file or directory name)." };
        var servers = new Option<string?>("--servers") { Description = "Comma-separated servers to spread over, in order (default: all registered)." };
        var blockSize = new Option<string?>("--block-size") { Description = "Block length, e.g. 1MiB (default), 4KiB-8MiB." };
        var replace = new Option<bool>("--replace") { Description = "Replace a stored file of the same name." };
        var db = DbOption();
        var json = JsonOption();
        var put = new Command("put", "Encrypt a file and spread it as XOR combinations over block servers.") { path, name, servers, blockSize, replace, db, json };
        put.SetAction((parse, cancellationToken) => RunAsync(parse, async (output, error) =>
        {
            var source = parse.GetRequiredValue(path);
            var isDirectory = Directory.Exists(source);
            if (source != "-" && !isDirectory && !File.Exists(source))
            {
                throw new FileNotFoundException($"no such file or directory: {source}");
            }

            var options = new PutOptions
            {
                Name = parse.GetValue(name) ?? (source == "-" ? throw new CliUsageException("--name is required when reading stdin") : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(source)))),
                Servers = parse.GetValue(servers)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                BlockSize = parse.GetValue(blockSize) is { } b ? checked((int)CliUsageException.Parse("--block-size", () => Quantities.ParseBytes(b))) : StoreLimits.DefaultBlockSize,
                Replace = parse.GetValue(replace),
                Kind = isDirectory ? StoreKinds.Directory : StoreKinds.File,
            };
            using var catalog = StoreCatalog.Open(parse.GetRequiredValue(db));
            using var logs = Logs(error);
            var store = new FogStore(catalog, logs.CreateLogger<FogStore>());
            PutResult result;
            if (isDirectory)
            {
                result = await PutDirectoryAsync(store, source, options, new TransferProgress(error, "put", null), cancellationToken);
            }
            else
            {
                await using var input = source == "-" ? Console.OpenStandardInput() : new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
                var total = source == "-" ? (long?)null : input.Length;
                result = await store.PutAsync(input, options, new TransferProgress(error, "put", total), cancellationToken);
            }

            var summary = new
            {
                name = result.File.Name,
                kind = result.File.Kind,
                length = result.File.Length,
                blockSize = result.File.BlockSize,
                servers = result.File.Servers,
                stripes = result.File.Stripes,
                combinations = result.Combinations,
                storedBytes = result.StoredBytes,
                seconds = result.Seconds,
                mbPerSecond = result.File.Length / Math.Max(result.Seconds, 1e-6) / 1e6,
            };
            await CliOutput.WriteAsync(output, parse.GetValue(json), summary, s =>
                $"stored {s.name} ({s.kind}, {s.length} bytes) as {s.combinations} combinations over {string.Join(", ", s.servers)} in {s.seconds:F2} s ({s.mbPerSecond:F0} MB/s)");
            return ExitCodes.Ok;
        }));
        return put;
    }

    private static Command CreateGet()
    {
        var name = new Argument<string>("NAME") { Description = "The stored file." };
        var outputPath = new Option<string>("--output", "-o") { Description = "Where to write it (a directory for a stored directory); '-' writes stdout.", Required = true };
        var db = DbOption();
        var json = JsonOption();
        var get = new Command("get", "Fetch, verify, rebuild and decrypt a stored file.") { name, outputPath, db, json };
        get.SetAction((parse, cancellationToken) => RunAsync(parse, async (output, error) =>
        {
            using var catalog = StoreCatalog.Open(parse.GetRequiredValue(db));
            using var logs = Logs(error);
            var store = new FogStore(catalog, logs.CreateLogger<FogStore>());
            var file = catalog.GetFile(parse.GetRequiredValue(name)).File;
            var target = parse.GetRequiredValue(outputPath);
            var progress = new TransferProgress(error, "get", file.Length);
            GetResult result;
            if (target == "-")
            {
                await using var stdout = Console.OpenStandardOutput();
                result = await store.GetAsync(file.Name, stdout, progress, cancellationToken);
                return await ReportGetAsync(result, parse.GetValue(json) ? error : TextWriter.Null, error, json: true);
            }

            result = file.Kind == StoreKinds.Directory
                ? await GetDirectoryAsync(store, file.Name, target, progress, cancellationToken)
                : await GetFileAsync(store, file.Name, target, progress, cancellationToken);
            return await ReportGetAsync(result, output, error, parse.GetValue(json));
        }));
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
            mbPerSecond = result.File.Length / Math.Max(result.Seconds, 1e-6) / 1e6,
            unreachableServers = result.UnreachableServers,
            problems = result.Problems,
            badServers = result.Problems.Where(p => p.Kind == StoreProblemKind.Corrupt).Select(p => p.Server).Distinct().ToList(),
        };
        await CliOutput.WriteAsync(output, json, summary, s =>
            $"got {s.name} ({s.length} bytes) in {s.seconds:F2} s ({s.mbPerSecond:F0} MB/s)"
            + (s.unreachableServers.Count > 0 ? $"; unreachable: {string.Join(", ", s.unreachableServers.Keys)}" : string.Empty)
            + (s.badServers.Count > 0 ? $"; served bad data: {string.Join(", ", s.badServers)}" : string.Empty));
        return ExitCodes.Ok;
    }

    private static Command CreateVerify()
    {
        var name = new Argument<string>("NAME") { Description = "The stored file." };
        var db = DbOption();
        var json = JsonOption();
        var verify = new Command("verify", "Fetch and check every combination of a stored file (exit 0 intact, 65 damaged).") { name, db, json };
        verify.SetAction((parse, cancellationToken) => RunAsync(parse, async (output, error) =>
        {
            using var catalog = StoreCatalog.Open(parse.GetRequiredValue(db));
            var store = new FogStore(catalog);
            var result = await store.VerifyAsync(parse.GetRequiredValue(name), new TransferProgress(error, "verify", null), cancellationToken);
            var summary = new { name = result.File.Name, result.Checked, result.Intact, result.Recoverable, result.LostStripes, result.Problems };
            await CliOutput.WriteAsync(output, parse.GetValue(json), summary, s =>
                string.Join('\n', s.Problems.Select(p => p.ToString()).Append(
                    s.Intact ? $"{s.name}: all {s.Checked} combinations intact"
                    : s.Recoverable ? $"{s.name}: {s.Problems.Count} of {s.Checked} combinations bad, still recoverable (run 'store repair {s.name}')"
                    : $"{s.name}: LOST: stripe(s) {string.Join(", ", s.LostStripes)} cannot be rebuilt")));
            return result.Intact ? ExitCodes.Ok : ExitCodes.DataError;
        }));
        return verify;
    }

    private static Command CreateRepair()
    {
        var name = new Argument<string>("NAME") { Description = "The stored file." };
        var replace = new Option<string[]>("--replace") { Description = "OLD=NEW: re-create every combination on server OLD on server NEW.", AllowMultipleArgumentsPerToken = false };
        var db = DbOption();
        var json = JsonOption();
        var repair = new Command("repair", "Re-create lost or corrupt combinations (exit 0 when all repaired, 65 otherwise).") { name, replace, db, json };
        repair.SetAction((parse, cancellationToken) => RunAsync(parse, async (output, error) =>
        {
            var replacements = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(replace) ?? [])
            {
                var parts = pair.Split('=', 2);
                if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0 || !replacements.TryAdd(parts[0], parts[1]))
                {
                    throw new CliUsageException($"--replace: expected OLD=NEW once per OLD, got '{pair}'");
                }
            }

            using var catalog = StoreCatalog.Open(parse.GetRequiredValue(db));
            using var logs = Logs(error);
            var store = new FogStore(catalog, logs.CreateLogger<FogStore>());
            var result = await store.RepairAsync(parse.GetRequiredValue(name), replacements, cancellationToken);
            var summary = new { name = result.File.Name, found = result.Found, recreated = result.Recreated, notRepaired = result.NotRepaired };
            await CliOutput.WriteAsync(output, parse.GetValue(json), summary, s =>
                string.Join('\n', s.notRepaired.Select(p => "not repaired: " + p).Append($"{s.name}: {s.found.Count} problem(s) found, {s.recreated} combination(s) re-created")));
            return result.NotRepaired.Count == 0 ? ExitCodes.Ok : ExitCodes.DataError;
        }));
        return repair;
    }

    private static Command CreateList()
    {
        var db = DbOption();
        var json = JsonOption();
        var list = new Command("list", "List the stored files.") { db, json };
        list.SetAction((parse, _) => RunAsync(parse, async (output, _) =>
        {
            using var catalog = StoreCatalog.Open(parse.GetRequiredValue(db));
            var files = catalog.Files();
            await CliOutput.WriteAsync(output, parse.GetValue(json), files, f => string.Join('\n', f.Select(x =>
                $"{x.Name}\t{x.Kind}\t{x.Length} bytes\t{x.Stripes} stripes\t{string.Join(",", x.Servers)}\t{x.Created:u}")));
            return ExitCodes.Ok;
        }));
        return list;
    }

    private static Command CreateRemove()
    {
        var name = new Argument<string>("NAME") { Description = "The stored file." };
        var db = DbOption();
        var remove = new Command("remove", "Forget a stored file and delete its combinations from the servers that answer.") { name, db };
        remove.SetAction((parse, cancellationToken) => RunAsync(parse, async (output, _) =>
        {
            using var catalog = StoreCatalog.Open(parse.GetRequiredValue(db));
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

    /// <summary>Streams a directory as a tar archive into a put (a state bundle can be larger than the free disk).</summary>
    private static async Task<PutResult> PutDirectoryAsync(FogStore store, string directory, PutOptions options, IProgress<long> progress, CancellationToken cancellationToken)
    {
        using var writeEnd = new AnonymousPipeServerStream(PipeDirection.Out);
        using var readEnd = new AnonymousPipeClientStream(PipeDirection.In, writeEnd.ClientSafePipeHandle);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tar = Task.Run(async () =>
        {
            try
            {
                await TarFile.CreateFromDirectoryAsync(directory, writeEnd, includeBaseDirectory: false, stop.Token);
            }
            finally
            {
                writeEnd.Dispose();
            }
        }, CancellationToken.None);
        try
        {
            var result = await store.PutAsync(readEnd, options, progress, cancellationToken);
            await tar;
            return result;
        }
        catch
        {
            await stop.CancelAsync();
            readEnd.Dispose();
            try
            {
                await tar;
            }
            catch (Exception)
            {
                // The put's failure is the one to report.
            }

            throw;
        }
    }

    /// <summary>Gets into a temporary file beside <paramref name="target"/>, renamed only when every byte verified.</summary>
    private static async Task<GetResult> GetFileAsync(FogStore store, string name, string target, IProgress<long> progress, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(target);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.partial-{Guid.NewGuid():N}");
        try
        {
            GetResult result;
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                result = await store.GetAsync(name, stream, progress, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
            return result;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Gets a stored directory: the tar stream is extracted into a temporary directory renamed at the end.</summary>
    private static async Task<GetResult> GetDirectoryAsync(FogStore store, string name, string target, IProgress<long> progress, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(target);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            throw new CliUsageException($"--output {target} exists and is not empty");
        }

        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            using var writeEnd = new AnonymousPipeServerStream(PipeDirection.Out);
            using var readEnd = new AnonymousPipeClientStream(PipeDirection.In, writeEnd.ClientSafePipeHandle);
            var extract = Task.Run(() => TarFile.ExtractToDirectoryAsync(readEnd, temp, overwriteFiles: false, cancellationToken), CancellationToken.None);
            GetResult result;
            try
            {
                result = await store.GetAsync(name, writeEnd, progress, cancellationToken);
            }
            catch
            {
                writeEnd.Dispose();
                try
                {
                    await extract;
                }
                catch (Exception)
                {
                    // A cut-off tar stream: the get's failure is the one to report.
                }

                throw;
            }

            writeEnd.Dispose();
            await extract;
            if (Directory.Exists(full))
            {
                Directory.Delete(full);
            }

            Directory.Move(temp, full);
            return result;
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }
}
