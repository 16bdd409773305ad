using System.CommandLine;
using System.Net;
using Jumpstart.Hostd.Store;
using Jumpstart.Hostd.Store.Catalog;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Hostd.Store.Server;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.Sqlite;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart store ...</c>: the secure state store. <c>serve</c> runs a block server; the other commands act
/// as the fog (this host): they keep keys and the block map in the catalog (<c>--db</c>) and talk to block servers.
/// </summary>
public static partial class StoreCommands
{
    /// <summary>The first line <c>store serve</c> prints, followed by the bound endpoint.</summary>
    public const string ListeningPrefix = "listening on ";

    public static Command Create()
    {
        var store = new Command("store", "Secure state store: encrypted XOR-combined blocks spread over peer hosts.");
        store.Subcommands.Add(CreatePut());
        store.Subcommands.Add(CreateGet());
        store.Subcommands.Add(CreateVerify());
        store.Subcommands.Add(CreateRepair());
        store.Subcommands.Add(CreateList());
        store.Subcommands.Add(CreateRemove());
        store.Subcommands.Add(CreateServers());
        store.Subcommands.Add(CreateServe());
        return store;
    }

    /// <summary>
    /// <c>--db</c>: act as the fog over this catalog (offline, no hostd needed). Without it the command asks the
    /// local hostd, which keeps its own catalog; the CLI never opens that one (see <see cref="HostdOwnedFiles"/>).
    /// </summary>
    private static Option<string?> DbOption() => new("--db")
    {
        Description = "Be the fog over this catalog (SQLite; holds the file keys, mode 0600) instead of asking the local hostd; refused while a running hostd owns the file.",
    };

    /// <summary>A catalog of the operator's own: refused when it is a running hostd's.</summary>
    private static async Task<StoreCatalog> OpenCatalogAsync(string path, CancellationToken cancellationToken)
    {
        await HostdOwnedFiles.RequireNotHostdsAsync(path, "leave out --db and the command asks hostd", cancellationToken);
        return StoreCatalog.Open(path);
    }

    /// <summary>A catalog for the commands hostd has no method for yet (the block server list): <c>--db</c> is required.</summary>
    private static Task<StoreCatalog> OpenRequiredCatalogAsync(ParseResult parse, Option<string?> db, CancellationToken cancellationToken)
        => OpenCatalogAsync(parse.GetValue(db) ?? throw new CliUsageException("give --db CATALOG: hostd has no method for its block server list yet"), cancellationToken);

    private static Option<bool> JsonOption() => new("--json") { Description = "Print the result as JSON." };

    /// <summary>Runs a store command: the common failures become one line on stderr and a sysexits code.</summary>
    private static Task<int> RunAsync(ParseResult parse, Func<TextWriter, TextWriter, Task<int>> body)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        return CliAction.RunAsync(error, async () =>
        {
            try
            {
                return await body(output, error);
            }
            catch (StoreException ex)
            {
                await error.WriteLineAsync($"jumpstart: store: {ex.Message}");
                return ex switch
                {
                    StoreUsageException => ExitCodes.Usage,
                    StoreNotFoundException => ExitCodes.NoInput,
                    StoreDataLostException or StoreIntegrityException => ExitCodes.DataError,
                    BlockServerDeniedException => ExitCodes.NoPermission,
                    // Another process holding the catalog is a moment's wait, not a configuration to fix.
                    StoreCatalogException { InnerException: SqliteBusyException } => ExitCodes.Unavailable,
                    StoreCatalogException => ExitCodes.Config,
                    _ => ExitCodes.Unavailable,
                };
            }
        });
    }

    private static Command CreateServe()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "TCP address:port (port 0 picks one; the bound endpoint is printed).",
            DefaultValueFactory = _ => $"0.0.0.0:{BlockServerOptions.DefaultPort}",
        };
        var dir = new Option<string>("--dir") { Description = "Directory for the stored combinations.", Required = true };
        var tokens = new Option<string>("--token-file") { Description = "Peers and their tokens: one 'PEER TOKEN' (or 'TOKEN') per line.", Required = true };
        var serve = new Command("serve", "Run a block server in the foreground until SIGTERM or Ctrl-C.") { listen, dir, tokens };
        serve.SetAction((parse, cancellationToken) => RunAsync(parse, async (output, error) =>
        {
            var endPoint = CliUsageException.Parse("--listen", () => IPEndPoint.TryParse(parse.GetRequiredValue(listen), out var e) ? e : throw new FormatException("expected ADDRESS:PORT"));
            var peers = PeerTokens.Load(parse.GetRequiredValue(tokens));
            using var run = new ForegroundRun(cancellationToken);
            await using (var server = BlockServer.Start(new BlockServerOptions { Listen = endPoint, Directory = parse.GetRequiredValue(dir), Peers = peers }, run.LoggerFactory, run.Stopping))
            {
                await output.WriteLineAsync(ListeningPrefix + server.EndPoint);
                await output.FlushAsync(CancellationToken.None);
                await run.WaitForStopAsync();
            }

            await output.WriteLineAsync("stopped");
            return ExitCodes.Ok;
        }));
        return serve;
    }

    private static Command CreateServers()
    {
        var db = DbOption();
        var json = JsonOption();
        var name = new Argument<string>("NAME") { Description = "The fog's name for the server." };
        var endpoint = new Argument<string>("ENDPOINT") { Description = "HOST:PORT of its block server." };
        var tokenFile = new Option<string>("--token-file") { Description = "File whose first line is the token this host presents there.", Required = true };
        var add = new Command("add", "Register (or update) a block server.") { name, endpoint, tokenFile, db };
        add.SetAction((parse, cancellationToken) => RunAsync(parse, async (output, _) =>
        {
            var ep = parse.GetRequiredValue(endpoint);
            CliUsageException.Parse("ENDPOINT", () => ServerSession.ParseEndPoint(ep));
            var token = BoundedFile.ReadAllText(parse.GetRequiredValue(tokenFile), StoreLimits.MaxTokenFileBytes).Split('\n', 2)[0].Trim();
            if (token.Length is < Store.Protocol.BlockProtocol.MinTokenLength or > Store.Protocol.BlockProtocol.MaxTokenLength)
            {
                throw new CliUsageException($"--token-file: the first line must be a token of {Store.Protocol.BlockProtocol.MinTokenLength}-{Store.Protocol.BlockProtocol.MaxTokenLength} characters");
            }

            using var catalog = await OpenRequiredCatalogAsync(parse, db, cancellationToken);
            catalog.PutServer(new StoreServer(parse.GetRequiredValue(name), ep, token));
            await output.WriteLineAsync($"added {parse.GetRequiredValue(name)} {ep}");
            return ExitCodes.Ok;
        }));

        var listDb = DbOption();
        var check = new Option<bool>("--check") { Description = "Connect to each server and show what this host keeps there." };
        var list = new Command("list", "List the registered block servers.") { listDb, json, check };
        list.SetAction((parse, cancellationToken) => RunAsync(parse, async (output, _) =>
        {
            using var catalog = await OpenRequiredCatalogAsync(parse, listDb, cancellationToken);
            var rows = new List<ServerRow>();
            foreach (var server in catalog.Servers())
            {
                rows.Add(parse.GetValue(check) ? await CheckAsync(server, cancellationToken) : new ServerRow(server.Name, server.Endpoint, null, null, null, null));
            }

            await CliOutput.WriteAsync(output, parse.GetValue(json), rows, r => string.Join('\n', r.Select(s => s.ToString())));
            return ExitCodes.Ok;
        }));

        var removeDb = DbOption();
        var removeName = new Argument<string>("NAME");
        var remove = new Command("remove", "Unregister a block server that holds no combination.") { removeName, removeDb };
        remove.SetAction((parse, cancellationToken) => RunAsync(parse, async (output, _) =>
        {
            using var catalog = await OpenRequiredCatalogAsync(parse, removeDb, cancellationToken);
            catalog.RemoveServer(parse.GetRequiredValue(removeName));
            await output.WriteLineAsync($"removed {parse.GetRequiredValue(removeName)}");
            return ExitCodes.Ok;
        }));

        return new Command("servers", "The block servers this host spreads files over.") { add, list, remove };
    }

    private static async Task<ServerRow> CheckAsync(StoreServer server, CancellationToken cancellationToken)
    {
        await using var client = new BlockClient(server.Name, ServerSession.ParseEndPoint(server.Endpoint), server.Token, connections: 1);
        try
        {
            var (count, bytes) = await client.StatsAsync(cancellationToken);
            return new ServerRow(server.Name, server.Endpoint, true, count, bytes, null);
        }
        catch (Exception ex) when (ex is StoreException)
        {
            return new ServerRow(server.Name, server.Endpoint, false, null, null, ex.Message);
        }
    }

    /// <summary>One line of <c>store servers list</c>.</summary>
    private sealed record ServerRow(string Name, string Endpoint, bool? Reachable, long? Objects, long? Bytes, string? Error)
    {
        public override string ToString() => Reachable switch
        {
            null => $"{Name}\t{Endpoint}",
            true => $"{Name}\t{Endpoint}\tup\t{Objects} objects\t{Bytes} bytes",
            false => $"{Name}\t{Endpoint}\tDOWN\t{Error}",
        };
    }
}
