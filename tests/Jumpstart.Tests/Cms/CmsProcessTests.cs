using System.Net;
using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cms;

/// <summary>The built <c>jumpstart cms serve</c> program as a real process: crash and signal behaviour.</summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
public sealed class CmsProcessTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    private static string Jumpstart => BuiltPrograms.Cli;

    /// <summary>Starts the program; returns its run (killed with SIGKILL when <paramref name="kill"/> fires) and its endpoint.</summary>
    internal static async Task<(Task<ProcessResult> Run, IPEndPoint EndPoint)> StartAsync(TempDirectory directory, CancellationToken kill)
    {
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = ProcessRunner.RunAsync(
            Jumpstart,
            ["cms", "serve", "--listen", "127.0.0.1:0", "--db", directory.Combine("cms.db"), "--admin-token-file", directory.Combine("admin.token")],
            new ProcessRunOptions
            {
                Timeout = TimeSpan.FromMinutes(2),
                OnLine = line =>
                {
                    if (!line.IsError && line.Text.StartsWith(CmsCommands.ListeningPrefix, StringComparison.Ordinal))
                    {
                        listening.TrySetResult(line.Text[CmsCommands.ListeningPrefix.Length..]);
                    }
                },
            },
            kill);
        var first = await Task.WhenAny(listening.Task, run).WaitAsync(s_bound, CancellationToken.None);
        Assert.True(first == listening.Task, "cms serve exited before listening: " + (run.IsCompleted ? (await run).StandardError : string.Empty));
        return (run, IPEndPoint.Parse(await listening.Task));
    }

    [Fact]
    public async Task Serve_KilledWithSigkill_RestartsWithEveryRoleAndReport()
    {
        using var directory = new TempDirectory("cms-crash");
        var roles = new Dictionary<string, string>();
        using (var kill = new CancellationTokenSource())
        {
            var (run, endPoint) = await StartAsync(directory, kill.Token);
            await using (var admin = await CmsAdminClient.ConnectAsync(endPoint, AdminTokenFile.Read(directory.Combine("admin.token")), CancellationToken.None))
            {
                await admin.CreateAsync(CmsTestBed.Spec("d1", 20), CancellationToken.None);
            }

            await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
            {
                await using var guest = await JsonRpcClient.ConnectAsync(endPoint);
                var assignment = await guest.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("d1", i));
                lock (roles)
                {
                    roles[CmsTestBed.InstanceId(i)] = assignment.Role;
                }

                await guest.InvokeAsync<PeerInfo>(CmsMethods.Report, new ReportRequest
                {
                    DeploymentId = "d1",
                    InstanceId = CmsTestBed.InstanceId(i),
                    Token = CmsTestBed.TokenOf("d1", i),
                    Phase = InstancePhase.Ready,
                    Detail = $"ready {i}",
                });
            })).WaitAsync(s_bound);

            // No graceful stop: ProcessRunner kills the process tree (SIGKILL) when its token fires.
            await kill.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(s_bound));
        }

        using var stop = new CancellationTokenSource();
        var (again, newEndPoint) = await StartAsync(directory, stop.Token);
        await using (var admin = await CmsAdminClient.ConnectAsync(newEndPoint, AdminTokenFile.Read(directory.Combine("admin.token")), CancellationToken.None))
        {
            var status = await admin.GetAsync("d1", CancellationToken.None).WaitAsync(s_bound);
            Assert.Equal(20, status.Registered);
            Assert.Equal(20, status.Ready);
            Assert.All(status.Instances, i => Assert.Equal(roles[i.InstanceId], i.Role));
            Assert.All(status.Instances, i => Assert.Equal($"ready {int.Parse(i.InstanceId[2..], System.Globalization.CultureInfo.InvariantCulture)}", i.Detail));
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => again.WaitAsync(s_bound));
    }

    [ToolFact("timeout")]
    public async Task Serve_OnSigterm_StopsGracefullyAndExitsZero()
    {
        using var directory = new TempDirectory("cms-sigterm");

        // timeout(1) sends SIGTERM after 3 s and, with --preserve-status, exits with the program's own status.
        var result = await ProcessRunner.RunAsync(
            Requirements.RequireTool("timeout"),
            ["--preserve-status", "-s", "TERM", "3", Jumpstart, "cms", "serve", "--listen", "127.0.0.1:0",
             "--db", directory.Combine("cms.db"), "--admin-token-file", directory.Combine("admin.token")],
            new ProcessRunOptions { Timeout = s_bound });

        Assert.False(result.TimedOut);
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith(CmsCommands.ListeningPrefix, result.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith("stopped\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("CMS stopped", result.StandardError, StringComparison.Ordinal);
    }
}
