using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Processes;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Cms;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Sockets;

/// <summary>
/// Issue 13, item 4, for the whole daemon: the real jumpstart-hostd (CMS on TCP, the image service's NBD server on TCP,
/// the control socket) under <c>prlimit --nofile=256</c>, two listeners flooded at once with more connections than the
/// limit. All listeners draw on the process's one <see cref="Jumpstart.Shared.Sockets.ConnectionBudget"/>, so the
/// daemon never runs out of descriptors (which would abort it with "Out of memory."), and the control socket's
/// administrative reserve lets the operator in during the flood.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
[Trait(Capabilities.Trait, Capabilities.Cms)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class HostdDescriptorBudgetTests(ITestOutputHelper output)
{
    private const int Limit = 256;
    private const int FloodPerListener = 300;
    private const string Export = "base";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [ToolFact("prlimit", "nbdinfo")]
    public async Task CmsAndNbdFloodedAtOnce_UnderANofileLimitOf256_HostdStaysBelowIt_AndServesTheOperatorDuringAndClientsAfter()
    {
        using var dir = new TempDirectory("hostd-nofile");
        var image = dir.Combine("base.raw");
        TestImages.CreateSparse(image, 4 * 1024 * 1024);
        var (cmsPort, nbdPort) = (FreeTcpPort(), FreeTcpPort());
        var tokenFile = dir.Combine("cms", "admin.token");
        File.WriteAllText(HostdUnderTest.ConfigPath(dir), $$"""
            {
              "Hostd": { "NodeName": "hv-nofile" },
              "Cms": { "Enabled": true, "Listen": "127.0.0.1:{{cmsPort}}", "FrameTimeoutMs": 5000, "DatabasePath": "{{dir.Combine("cms", "cms.db")}}", "AdminTokenFile": "{{tokenFile}}" },
              "Images": { "Listen": "127.0.0.1:{{nbdPort}}" }
            }
            """);
        using var notify = NotifyListener.AtPath(dir.Combine("notify"));
        await using var hostd = HostdUnderTest.StartWrapped(
            "prlimit",
            [$"--nofile={Limit}:{Limit}", "--", BuiltPrograms.Hostd, .. HostdUnderTest.DefaultArguments(dir)],
            new Dictionary<string, string?> { [SystemdEnvironment.NotifySocketVariable] = notify.Address },
            TimeSpan.FromMinutes(3));
        await notify.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);
        var pid = await hostd.PidAsync();
        var control = dir.Combine("run", "hostd.sock");
        var cms = new IPEndPoint(IPAddress.Loopback, cmsPort);
        output.WriteLine($"descriptors open after start: {OpenDescriptors(pid)} of {Limit}");
        foreach (var line in hostd.StandardOutput.Where(l => l.Contains("at most", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }

        var added = await CliAsync("image", "add", Export, "--file", image, "--socket", control);
        Assert.True(added.Succeeded, added.StandardError);
        await using (var admin = await CmsAdminClient.ConnectAsync(cms, File.ReadAllText(tokenFile).Trim(), CancellationToken.None))
        {
            await admin.CreateAsync(CmsTestBed.Spec("d1", 2), CancellationToken.None).WaitAsync(s_bound);
        }

        Assert.Equal("master", (await RegisterAsync(cms, 0)).Role);

        var mostOpen = OpenDescriptors(pid);
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested && !hostd.Exited.IsCompleted)
            {
                mostOpen = Math.Max(mostOpen, OpenDescriptors(pid));
                await Task.Delay(TimeSpan.FromMilliseconds(10), CancellationToken.None);
            }
        });
        var flood = new List<Socket>();
        try
        {
            // 600 connections at once, 300 to each listener (the NBD ones from three addresses, under its per-source cap).
            var opened = await Task.WhenAll(
                Enumerable.Range(0, FloodPerListener).Select(_ => ConnectAsync(IPAddress.Loopback, cms))
                    .Concat(Enumerable.Range(0, FloodPerListener).Select(i => ConnectAsync(IPAddress.Parse($"127.0.0.{2 + (i % 3)}"), new IPEndPoint(IPAddress.Loopback, nbdPort)))));
            flood.AddRange(opened);

            // During: the operator gets in through the control socket's administrative reserve.
            var during = await CliAsync("status", "--socket", control);
            Assert.True(during.Succeeded, $"jumpstart status during the flood: {during.ExitCode} {during.StandardError}");
            Assert.False(hostd.Exited.IsCompleted, "hostd died under the flood: " + string.Join('\n', hostd.StandardOutput));
        }
        finally
        {
            await sampling.CancelAsync();
            await sampler;
            foreach (var socket in flood)
            {
                socket.Dispose();
            }
        }

        output.WriteLine($"most descriptors open during the flood of {2 * FloodPerListener} connections: {mostOpen} of {Limit}");
        Assert.True(mostOpen < Limit, $"hostd held {mostOpen} descriptors of {Limit}");

        // After: the operator, a guest of the CMS and an NBD client are served.
        var after = await CliAsync("status", "--socket", control);
        Assert.True(after.Succeeded, $"jumpstart status after the flood: {after.ExitCode} {after.StandardError}");
        var role = await Poll.ForAsync(
            async _ => await TryRegisterAsync(cms, 1),
            assigned => assigned is not null,
            s_bound,
            "a guest registered with the CMS after the flood",
            interval: TimeSpan.FromMilliseconds(200));
        Assert.Equal("worker", role);
        await Poll.UntilAsync(
            async cancellationToken => (await ProcessRunner.RunAsync(Requirements.RequireTool("nbdinfo"), ["--size", $"nbd://127.0.0.1:{nbdPort}/{Export}"], new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(10) }, cancellationToken)).Succeeded,
            s_bound,
            "nbdinfo served after the flood closed",
            TimeSpan.FromMilliseconds(200));

        Assert.False(hostd.Exited.IsCompleted, "hostd exited");
        var stopped = await hostd.StopAsync();
        Assert.DoesNotContain(stopped.StandardOutput + stopped.StandardError, "Out of memory", StringComparison.Ordinal);
        Assert.Equal(0, stopped.ExitCode);
    }

    private static int FreeTcpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static int OpenDescriptors(int pid)
    {
        try
        {
            return Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }
    }

    private static async Task<Socket> ConnectAsync(IPAddress source, IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(server).WaitAsync(s_bound);
        return socket;
    }

    /// <summary>The real <c>jumpstart</c> CLI, as an operator runs it.</summary>
    private static Task<ProcessResult> CliAsync(params string[] args)
        => ProcessRunner.RunAsync(BuiltPrograms.Cli, args, new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(30) });

    private static async Task<RoleAssignment> RegisterAsync(IPEndPoint cms, int index)
    {
        await using var guest = await JsonRpcClient.ConnectAsync(cms, cancellationToken: CancellationToken.None);
        return await guest.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("d1", index), CancellationToken.None).WaitAsync(s_bound);
    }

    private static async Task<string?> TryRegisterAsync(IPEndPoint cms, int index)
    {
        try
        {
            return (await RegisterAsync(cms, index)).Role;
        }
        catch (Exception ex) when (ex is IOException or SocketException or StreamJsonRpc.ConnectionLostException or ObjectDisposedException)
        {
            return null;
        }
    }
}
