using System.Collections.Concurrent;
using System.Net;
using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Cms;

/// <summary>
/// The built <c>jumpstart cms serve</c> as a real process for the attack tests: its pid (memory, descriptors), its
/// endpoint, its admin token and its log. Optionally under <c>prlimit --nofile=N</c>. Killed on dispose.
/// </summary>
internal sealed class CmsProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startBound = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _directory;
    private readonly CancellationTokenSource _kill;
    private readonly Task<ProcessResult> _run;
    private readonly ConcurrentQueue<string> _log;

    private CmsProcess(TempDirectory directory, CancellationTokenSource kill, Task<ProcessResult> run, ConcurrentQueue<string> log, int pid, IPEndPoint endPoint)
    {
        _directory = directory;
        _kill = kill;
        _run = run;
        _log = log;
        Pid = pid;
        EndPoint = endPoint;
    }

    public int Pid { get; }

    public IPEndPoint EndPoint { get; }

    public string AdminToken => AdminTokenFile.Read(_directory.Combine("admin.token"));

    /// <summary>True once the process has ended (crashed, or was killed).</summary>
    public bool HasExited => _run.IsCompleted;

    /// <summary>Its standard error so far: the log.</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>Resident memory now.</summary>
    public long RssBytes => ProcessMemory.RssBytes(Pid);

    /// <summary>Descriptors it holds now.</summary>
    public int OpenDescriptors => Directory.GetFileSystemEntries($"/proc/{Pid}/fd").Length;

    /// <summary>Sockets it holds now (its listener and its connections).</summary>
    public int OpenSockets => Directory.GetFileSystemEntries($"/proc/{Pid}/fd")
        .Count(static fd => new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true);

    /// <summary>Starts the server with <paramref name="arguments"/> added; under <c>prlimit</c> when <paramref name="nofile"/> is given.</summary>
    public static async Task<CmsProcess> StartAsync(string name, IReadOnlyList<string> arguments, int? nofile = null)
    {
        var directory = new TempDirectory(name);
        var kill = new CancellationTokenSource();
        var log = new ConcurrentQueue<string>();
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        List<string> serve =
        [
            BuiltPrograms.Cli, "cms", "serve", "--listen", "127.0.0.1:0",
            "--db", directory.Combine("cms.db"), "--admin-token-file", directory.Combine("admin.token"), .. arguments,
        ];
        var (program, argv) = nofile is { } limit
            ? (Requirements.RequireTool("prlimit"), (IReadOnlyList<string>)[$"--nofile={limit}", "--", .. serve])
            : (serve[0], serve[1..]);
        var run = ProcessRunner.RunAsync(
            program,
            argv,
            new ProcessRunOptions
            {
                Timeout = TimeSpan.FromMinutes(10),
                OnStarted = pid => started.TrySetResult(pid),
                OnLine = line =>
                {
                    if (line.IsError)
                    {
                        log.Enqueue(line.Text);
                    }
                    else if (line.Text.StartsWith(CmsCommands.ListeningPrefix, StringComparison.Ordinal))
                    {
                        listening.TrySetResult(line.Text[CmsCommands.ListeningPrefix.Length..]);
                    }
                },
            },
            kill.Token);
        var first = await Task.WhenAny(listening.Task, run).WaitAsync(s_startBound, CancellationToken.None);
        if (first != listening.Task)
        {
            kill.Dispose();
            directory.Dispose();
            throw new InvalidOperationException("cms serve exited before listening: " + (await run).StandardError);
        }

        // prlimit execs the server, so its pid is the server's.
        return new CmsProcess(directory, kill, run, log, await started.Task, IPEndPoint.Parse(await listening.Task));
    }

    /// <summary>Creates deployment <paramref name="deploymentId"/> of <paramref name="count"/> instances over TCP.</summary>
    public async Task CreateAsync(string deploymentId, int count, PolicySpec? policy = null)
    {
        await using var admin = await CmsAdminClient.ConnectAsync(EndPoint, AdminToken, CancellationToken.None);
        await admin.CreateAsync(CmsTestBed.Spec(deploymentId, count, policy), CancellationToken.None);
    }

    /// <summary>One registration on a new connection, one attempt: what a guest gets right now.</summary>
    public async Task<RoleAssignment> RegisterAsync(string deploymentId, int index, CancellationToken cancellationToken)
    {
        await using var guest = await JsonRpcClient.ConnectAsync(EndPoint, cancellationToken: cancellationToken);
        return await guest.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register(deploymentId, index), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _kill.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
            // Killed, as asked.
        }

        _kill.Dispose();
        _directory.Dispose();
    }
}
