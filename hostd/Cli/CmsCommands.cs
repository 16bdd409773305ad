using System.CommandLine;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Cms.Storage;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Hostd.Cli;

/// <summary><c>jumpstart cms ...</c>: run the configuration management server.</summary>
public static class CmsCommands
{
    /// <summary>The first line <c>cms serve</c> prints, followed by the bound TCP endpoint.</summary>
    public const string ListeningPrefix = "listening on ";

    public static Command Create()
    {
        var cms = new Command("cms", "The configuration management server (CMS) that assigns roles to clones.");
        cms.Subcommands.Add(CreateServe());
        return cms;
    }

    private static Command CreateServe()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "TCP address:port to listen on (port 0 picks one; the bound endpoint is printed).",
            DefaultValueFactory = _ => CmsOptions.DefaultListen,
        };
        var defaults = new CmsOptions();
        var db = new Option<string>("--db")
        {
            Description = "SQLite database file (created if absent).",
            DefaultValueFactory = _ => defaults.DatabasePath,
        };
        var tokenFile = new Option<string>("--admin-token-file")
        {
            Description = "File holding the admin token; generated with mode 0600 if absent.",
            DefaultValueFactory = _ => defaults.AdminTokenFile,
        };
        var unixSocket = new Option<string?>("--unix-socket") { Description = "Also listen on this unix socket (mode 0660) for local administration." };
        var maxWait = new Option<int>("--max-wait-ms")
        {
            Description = "Server-side bound on cms.wait calls.",
            DefaultValueFactory = _ => CmsOptions.DefaultMaxWaitMs,
        };

        var maxConnections = new Option<int>("--max-connections")
        {
            Description = "Most TCP connections served at once (lowered when the descriptor limit cannot hold that many).",
            DefaultValueFactory = _ => CmsOptions.DefaultMaxConnections,
        };
        var frameTimeout = new Option<int>("--frame-timeout-ms")
        {
            Description = "A TCP peer must send its first request within this of connecting, and each request within this of its first byte.",
            DefaultValueFactory = _ => CmsOptions.DefaultFrameTimeoutMs,
        };
        var idleTimeout = new Option<int>("--idle-timeout-ms")
        {
            Description = "Close a TCP connection with nothing in progress for this long.",
            DefaultValueFactory = _ => CmsOptions.DefaultIdleTimeoutMs,
        };

        var serve = new Command("serve", "Run the CMS in the foreground until SIGTERM or Ctrl-C.")
        {
            listen, db, tokenFile, unixSocket, maxWait, maxConnections, frameTimeout, idleTimeout,
        };
        serve.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var options = new CmsOptions
            {
                Enabled = true,
                Listen = parse.GetValue(listen)!,
                DatabasePath = parse.GetRequiredValue(db),
                AdminTokenFile = parse.GetRequiredValue(tokenFile),
                UnixSocketPath = parse.GetValue(unixSocket),
                MaxWaitMs = parse.GetValue(maxWait),
                MaxConnections = parse.GetValue(maxConnections),
                FrameTimeoutMs = parse.GetValue(frameTimeout),
                IdleTimeoutMs = parse.GetValue(idleTimeout),
            };
            // A standalone CMS in the foreground; the CMS inside a running hostd keeps its database to itself.
            await HostdOwnedFiles.RequireNotHostdsAsync(options.DatabasePath, "give --db a file of your own, or use the CMS hostd runs (Cms:Enabled)", cancellationToken);
            if (options.MaxWaitMs < 0)
            {
                throw new CliUsageException("--max-wait-ms must not be negative");
            }

            if (options.MaxConnections <= 0 || options.FrameTimeoutMs <= 0 || options.IdleTimeoutMs <= 0)
            {
                throw new CliUsageException("--max-connections, --frame-timeout-ms and --idle-timeout-ms must be positive");
            }

            return await ServeAsync(options, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
        }));
        return serve;
    }

    private static async Task<int> ServeAsync(CmsOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var run = new ForegroundRun(cancellationToken);
        CmsServer server;
        try
        {
            server = await CmsServer.StartAsync(options, run.LoggerFactory, run.Stopping);
        }
        catch (CmsStoreException ex)
        {
            await error.WriteLineAsync($"jumpstart: {ex.Message}");
            return ExitCodes.Config;
        }

        await using (server)
        {
            await output.WriteLineAsync(ListeningPrefix + server.TcpEndPoint);
            if (server.UnixSocketPath is not null)
            {
                await output.WriteLineAsync(ListeningPrefix + "unix:" + server.UnixSocketPath);
            }

            await output.FlushAsync(CancellationToken.None);
            await run.WaitForStopAsync();
        }

        await output.WriteLineAsync("stopped");
        return ExitCodes.Ok;
    }
}
