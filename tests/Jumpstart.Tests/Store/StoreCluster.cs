using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Store.Catalog;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Hostd.Store.Server;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Store;

/// <summary>
/// S block servers on loopback ports — real <c>jumpstart store serve</c> processes, or in-process servers —
/// plus a fog (catalog and <see cref="FogStore"/>) in the test's own directory that knows them all.
/// </summary>
internal sealed class StoreCluster : IAsyncDisposable
{
    public const string Peer = "fog";

    /// <summary>A second peer every server knows (its own namespace of objects).</summary>
    public const string OtherPeer = "other-fog";

    /// <summary>The token of <see cref="OtherPeer"/> on every server.</summary>
    public const string OtherToken = "other-token-0123456789";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _directory;
    private readonly bool _processes;
    private readonly int? _openFilesLimit;
    private readonly Server[] _servers;

    private StoreCluster(TempDirectory directory, int count, bool processes, int? openFilesLimit)
    {
        _directory = directory;
        _processes = processes;
        _openFilesLimit = openFilesLimit;
        _servers = [.. Enumerable.Range(0, count).Select(i => new Server($"s{i}", directory.Combine($"server{i}"), directory.Combine($"server{i}.tokens"), $"token-of-s{i}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}"))];
        CatalogPath = directory.Combine("fog.db");
        Catalog = StoreCatalog.Open(CatalogPath);
        Store = new FogStore(Catalog);
    }

    public static string Jumpstart => BuiltPrograms.Cli;

    public string CatalogPath { get; }

    public StoreCatalog Catalog { get; }

    public FogStore Store { get; }

    public IReadOnlyList<string> Names => [.. _servers.Select(s => s.Name)];

    /// <summary>Starts the servers; <paramref name="openFilesLimit"/> runs each process under <c>prlimit --nofile=N:N</c>.</summary>
    public static async Task<StoreCluster> StartAsync(TempDirectory directory, int count, bool processes = true, int? openFilesLimit = null)
    {
        var cluster = new StoreCluster(directory, count, processes, openFilesLimit);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(cluster.StartServerAsync));
            foreach (var server in cluster._servers)
            {
                cluster.Catalog.PutServer(new StoreServer(server.Name, $"127.0.0.1:{server.Port}", server.Token));
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops server <paramref name="index"/> (SIGKILL for a process).</summary>
    public async Task StopAsync(int index)
    {
        var server = _servers[index];
        if (server.InProcess is { } inProcess)
        {
            await inProcess.DisposeAsync();
            server.InProcess = null;
        }

        if (server.Kill is { } kill)
        {
            await kill.CancelAsync();
            try
            {
                await server.Run!.WaitAsync(s_bound);
            }
            catch (OperationCanceledException)
            {
                // Killed, as asked.
            }

            kill.Dispose();
            server.Kill = null;
        }
    }

    /// <summary>Starts a stopped server again on the same port and directory.</summary>
    public Task RestartAsync(int index) => StartServerAsync(index);

    /// <summary>Where server <paramref name="index"/> keeps object <paramref name="objectId"/> of this fog.</summary>
    public string ObjectPath(int index, string objectId) => Path.Combine(_servers[index].Directory, "peers", Peer, objectId[..2], objectId);

    /// <summary>Every object file server <paramref name="index"/> holds (outside its temporary folder).</summary>
    public IReadOnlyList<FileInfo> Objects(int index)
    {
        var root = Path.Combine(_servers[index].Directory, "peers", Peer);
        return Directory.Exists(root)
            ? [.. new DirectoryInfo(root).EnumerateFiles("*", SearchOption.AllDirectories).Where(f => f.Directory!.Name != "tmp")]
            : [];
    }

    /// <summary>Temporary files in server <paramref name="index"/>'s storage.</summary>
    public IReadOnlyList<FileInfo> TemporaryFiles(int index)
    {
        var temp = Path.Combine(_servers[index].Directory, "peers", Peer, "tmp");
        return Directory.Exists(temp) ? [.. new DirectoryInfo(temp).EnumerateFiles()] : [];
    }

    public int IndexOf(string name) => Array.FindIndex(_servers, s => s.Name == name);

    public string TokenOf(int index) => _servers[index].Token;

    public IPEndPoint EndPointOf(int index) => new(IPAddress.Loopback, _servers[index].Port);

    /// <summary>The process id of server <paramref name="index"/> (a process cluster only).</summary>
    public int PidOf(int index) => _servers[index].Pid ?? throw new InvalidOperationException($"server {index} is not a running process");

    /// <summary>What server <paramref name="index"/> wrote to standard error so far (its log).</summary>
    public IReadOnlyCollection<string> ErrorLinesOf(int index) => _servers[index].ErrorLines;

    /// <summary>Whether server <paramref name="index"/>'s process has exited.</summary>
    public bool HasExited(int index) => _servers[index].Run is { IsCompleted: true };

    /// <summary>Runs the real <c>jumpstart</c> CLI against this cluster's catalog.</summary>
    public Task<ProcessResult> CliAsync(params string[] arguments)
        => ProcessRunner.RunAsync(Jumpstart, [.. arguments, "--db", CatalogPath], new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(2) });

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _servers.Length; i++)
        {
            await StopAsync(i);
        }

        Catalog.Dispose();
    }

    private async Task StartServerAsync(int index)
    {
        var server = _servers[index];
        await File.WriteAllTextAsync(server.TokenFile, $"# test peers\n{Peer} {server.Token}\n{OtherPeer} {OtherToken}\n");
        if (!_processes)
        {
            server.InProcess = BlockServer.Start(
                new BlockServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, server.Port), Directory = server.Directory, Peers = PeerTokens.Load(server.TokenFile) },
                NullLoggerFactory.Instance,
                CancellationToken.None);
            server.Port = server.InProcess.EndPoint.Port;
            return;
        }

        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Kill = new CancellationTokenSource();
        string[] serve = [Jumpstart, "store", "serve", "--listen", $"127.0.0.1:{server.Port}", "--dir", server.Directory, "--token-file", server.TokenFile];
        if (_openFilesLimit is { } limit)
        {
            // prlimit execs the server, so the process id it reports is the server's.
            var nofile = limit.ToString(CultureInfo.InvariantCulture);
            serve = ["prlimit", $"--nofile={nofile}:{nofile}", "--", .. serve];
        }

        server.Run = ProcessRunner.RunAsync(
            serve[0],
            serve[1..],
            new ProcessRunOptions
            {
                Timeout = TimeSpan.FromMinutes(10),
                OnStarted = pid => server.Pid = pid,
                OnLine = line =>
                {
                    if (line.IsError)
                    {
                        server.ErrorLines.Enqueue(line.Text);
                    }
                    else if (line.Text.StartsWith(StoreCommands.ListeningPrefix, StringComparison.Ordinal))
                    {
                        listening.TrySetResult(line.Text[StoreCommands.ListeningPrefix.Length..]);
                    }
                },
            },
            server.Kill.Token);
        var first = await Task.WhenAny(listening.Task, server.Run).WaitAsync(s_bound);
        Assert.True(first == listening.Task, $"block server {server.Name} exited before listening: " + (server.Run.IsCompleted ? (await server.Run).StandardError : string.Empty));
        server.Port = IPEndPoint.Parse(await listening.Task).Port;
    }

    private sealed class Server(string name, string directory, string tokenFile, string token)
    {
        public string Name { get; } = name;

        public string Directory { get; } = directory;

        public string TokenFile { get; } = tokenFile;

        public string Token { get; } = token;

        public int Port { get; set; }

        public CancellationTokenSource? Kill { get; set; }

        public Task<ProcessResult>? Run { get; set; }

        public BlockServer? InProcess { get; set; }

        public int? Pid { get; set; }

        public ConcurrentQueue<string> ErrorLines { get; } = new();
    }
}
