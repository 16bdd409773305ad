using System.Text.Json;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Metadata;
using Jumpstart.Shared.Processes;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Mono.Unix.Native;
using Xunit;

namespace Jumpstart.Tests.Guestd;

/// <summary>
/// The real <c>jumpstart-guestd</c> in service mode, as systemd runs it: this test plays systemd's
/// notify socket, a disc image file stands in for /dev/sr0, and <c>unshare --uts</c> keeps its
/// sethostname away from the test machine.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class GuestdServiceTests
{
    private static readonly TimeSpan s_step = TimeSpan.FromSeconds(30);

    [ToolFact("unshare", NeedsRoot = true)]
    public async Task Service_AppliesADiscInsertedWhileRunning_ReportsToSystemd_AndStopsOnSigterm()
    {
        using var temp = new TempDirectory("guestd-service");
        using var listener = NotifyListener.Abstract();
        var device = temp.Combine("sr0");
        var config = temp.Combine("guestd.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Guestd = new { devices = new[] { device }, pollIntervalMs = 100, stateDirectory = temp.Combine("state"), root = temp.Combine("root") },
        }));
        var pid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var exited = ProcessRunner.RunAsync(
            Requirements.RequireTool("unshare"),
            ["--uts", "--", BuiltPrograms.Find("guestd/Programs/jumpstart-guestd", "jumpstart-guestd"), "--config", config],
            new ProcessRunOptions
            {
                Timeout = TimeSpan.FromSeconds(90),
                Environment = new Dictionary<string, string?> { [SystemdEnvironment.NotifySocketVariable] = listener.Address },
                OnStarted = p => pid.TrySetResult(p),
            });

        await listener.WaitForAsync("READY", "1", s_step);
        MetadataDisc.WriteFile(new CloneMetadata
        {
            InstanceId = "i-svc",
            Hostname = "svc-node",
            SelfScript = "#!/bin/sh\nhostname > \"$JUMPSTART_ROOT/self-hostname\"\n",
        }, device);
        await listener.WaitForAsync(m => m.Get("STATUS")?.Contains("instance i-svc applied", StringComparison.Ordinal) == true, s_step, "STATUS after applying");
        Assert.Equal(0, Syscall.kill(await pid.Task, Signum.SIGTERM));
        var result = await exited.WaitAsync(s_step);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("i-svc", InstanceMarker.Read(temp.Combine("state"))?.InstanceId);
        Assert.Equal("svc-node", (await File.ReadAllTextAsync(temp.Combine("root", "self-hostname"))).Trim());
        Assert.Contains(listener.History, m => m.Has("STOPPING", "1"));
    }
}
