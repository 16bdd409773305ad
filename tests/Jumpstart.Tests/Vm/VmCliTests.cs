using System.Text.Json;
using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Xunit;

namespace Jumpstart.Tests.Vm;

/// <summary>The <c>jumpstart</c> VM commands against the real jumpstart-hostd, which runs real QEMU (TCG).</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class VmCliTests : IDisposable
{
    private readonly List<NotifyListener> _listeners = [];

    private const string Config = """{ "Hostd": { "NodeName": "hv-vm" }, "Vm": { "Accelerator": "tcg", "CloneConcurrency": 2 } }""";

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task TemplateBundleCloneListStop_WorkThroughTheCli()
    {
        using var dir = new TempDirectory("vmcli");
        await using var hostd = await StartHostdAsync(dir);
        var socket = dir.Combine("run", "hostd.sock");
        await CreateBundleAsync(dir, socket, "cli-base");

        var verify = await RunAsync("bundle", "verify", "cli-base", "--socket", socket, "--json");
        Assert.True(verify.Code == ExitCodes.Ok, verify.Error);
        Assert.True(JsonDocument.Parse(verify.Output).RootElement.GetProperty("verified").GetBoolean());

        var clone = await RunAsync("clone", "--bundle", "cli-base", "--count", "2", "--prefix", "cli", "--address", "10.77.0.10/24", "--no-network", "--socket", socket, "--json");
        Assert.True(clone.Code == ExitCodes.Ok, clone.Error);
        var report = JsonSerializer.Deserialize<CloneReport>(clone.Output, JsonSerializerOptions.Web)!;
        Assert.Equal(["cli-1", "cli-2"], report.Clones.Select(c => c.Name).Order());
        Assert.Contains("[clone.create] cont: cli-1", clone.Error, StringComparison.Ordinal);

        // hostd planned each clone's identity: the next address, a MAC of its own (never the template's), a fresh instance-id.
        var planned = report.Clones.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["10.77.0.10/24", "10.77.0.11/24"], planned.Select(c => Assert.Single(c.Addresses)));
        Assert.All(planned, c => Assert.StartsWith($"{c.Name}-", c.InstanceId, StringComparison.Ordinal));
        var template = JsonDocument.Parse(verify.Output).RootElement.GetProperty("templateMac").GetString();
        Assert.Equal(2, planned.Select(c => c.Mac).Distinct(StringComparer.Ordinal).Count());
        Assert.All(planned, c => Assert.NotEqual(template, c.Mac));

        // A plan hostd cannot carry out is refused before anything starts (a usage error, as a bad option would be).
        var refused = await RunAsync("clone", "--bundle", "cli-base", "--count", "2", "--prefix", "bad", "--address", "10.77.0.254/24", "--no-network", "--socket", socket);
        Assert.Equal(ExitCodes.Usage, refused.Code);
        Assert.Contains("no room for 2 clones", refused.Error, StringComparison.Ordinal);
        var withoutCms = await RunAsync("clone", "--bundle", "cli-base", "--prefix", "nocms", "--policy", "all-same", "--no-network", "--socket", socket);
        Assert.Equal(ExitCodes.Usage, withoutCms.Code);
        Assert.Contains("runs no CMS", withoutCms.Error, StringComparison.Ordinal);

        var list = await ListAsync(socket);
        Assert.All(list, v => Assert.Equal(("alive", "running", "cli-base"), (v.State, v.RunState, v.Bundle)));

        var remove = await RunAsync("template", "remove", "cli-base", "--socket", socket);
        Assert.Equal(ExitCodes.Unavailable, remove.Code);
        Assert.Contains("in use by", remove.Error, StringComparison.Ordinal);

        var stop = await RunAsync("vm", "stop", "cli-1", "--socket", socket);
        Assert.True(stop.Code == ExitCodes.Ok, stop.Error);
        Assert.Equal(["cli-2"], (await ListAsync(socket)).Select(v => v.Name));
        Assert.False(VmProcess.IsAlive(report.Clones.Single(c => c.Name == "cli-1").Pid, "cli-1"));
        await RunAsync("vm", "stop", "cli-2", "--socket", socket);
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task RestartingHostd_KeepsClonesRunning_AndListsThemAgain()
    {
        using var dir = new TempDirectory("vmcli");
        var socket = dir.Combine("run", "hostd.sock");
        CloneReport report;
        await using (var first = await StartHostdAsync(dir))
        {
            await CreateBundleAsync(dir, socket, "restart");
            var clone = await RunAsync("clone", "--bundle", "restart", "--count", "2", "--prefix", "keep", "--no-network", "--socket", socket, "--json");
            Assert.True(clone.Code == ExitCodes.Ok, clone.Error);
            report = JsonSerializer.Deserialize<CloneReport>(clone.Output, JsonSerializerOptions.Web)!;
            var stopped = await first.StopAsync();
            Assert.Equal(0, stopped.ExitCode);
        }

        try
        {
            Assert.All(report.Clones, c => Assert.True(VmProcess.IsAlive(c.Pid, c.Name), $"{c.Name} died with hostd"));
            await using var second = await StartHostdAsync(dir);

            var list = await ListAsync(socket);

            Assert.Equal(report.Clones.Select(c => (c.Name, c.Pid)).Order(), list.Select(v => (v.Name, v.Pid)).Order());
            Assert.All(list, v => Assert.Equal(("alive", "running"), (v.State, v.RunState)));
            foreach (var vm in list)
            {
                Assert.Equal(ExitCodes.Ok, (await RunAsync("vm", "stop", vm.Name, "--socket", socket)).Code);
            }
        }
        finally
        {
            foreach (var c in report.Clones.Where(c => VmProcess.IsAlive(c.Pid, c.Name)))
            {
                VmProcess.Kill(c.Pid);
            }
        }
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task CloneWithAPolicy_HostdCreatesTheCmsDeployment_WithTheClonesItPlanned()
    {
        using var dir = new TempDirectory("vmcli");
        var tokenFile = dir.Combine("cms", "admin.token");
        var config = $$"""
            {
              "Hostd": { "NodeName": "hv-vm" },
              "Vm": { "Accelerator": "tcg", "CloneConcurrency": 2 },
              "Cms": { "Enabled": true, "Listen": "127.0.0.1:0", "GuestEndpoint": "10.78.0.1:7070", "DatabasePath": "{{dir.Combine("cms", "cms.db")}}", "AdminTokenFile": "{{tokenFile}}" }
            }
            """;
        await using var hostd = await StartHostdAsync(dir, config);
        var socket = dir.Combine("run", "hostd.sock");
        await CreateBundleAsync(dir, socket, "cms-base");

        var clone = await RunAsync("clone", "--bundle", "cms-base", "--count", "2", "--prefix", "dep", "--address", "10.78.0.10/24", "--policy", "master-workers", "--no-network", "--socket", socket, "--json");

        Assert.True(clone.Code == ExitCodes.Ok, clone.Error);
        var report = JsonSerializer.Deserialize<CloneReport>(clone.Output, JsonSerializerOptions.Web)!;
        Assert.Equal("dep", report.DeploymentId);
        Assert.All(report.Clones, c => Assert.Equal(c.Name, c.InstanceId));
        var status = JsonDocument.Parse((await RunAsync("status", "--socket", socket, "--json")).Output).RootElement.GetProperty("cmsEndpoint").GetString()!;
        await using var cms = await CmsAdminClient.ConnectAsync(CmsEndPoints.ParseClient(status), AdminTokenFile.Read(tokenFile), CancellationToken.None);
        var deployment = await cms.GetAsync("dep", CancellationToken.None);
        Assert.Equal(("master-workers", 2), (deployment.PolicyKind, deployment.Expected));
        Assert.Equal(["dep-1", "dep-2"], deployment.Instances.Select(i => i.InstanceId).Order(StringComparer.Ordinal));

        // A second plan under the same prefix is refused before any clone starts (its names are taken).
        var again = await RunAsync("clone", "--bundle", "cms-base", "--count", "1", "--prefix", "dep", "--policy", "all-same", "--no-network", "--socket", socket);
        Assert.NotEqual(ExitCodes.Ok, again.Code);
        Assert.Equal(2, (await ListAsync(socket)).Length);
        foreach (var name in new[] { "dep-1", "dep-2" })
        {
            await RunAsync("vm", "stop", name, "--socket", socket);
        }
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task ACorruptedBundle_ExitsDataError_AndStartsNothing()
    {
        using var dir = new TempDirectory("vmcli");
        await using var hostd = await StartHostdAsync(dir);
        var socket = dir.Combine("run", "hostd.sock");
        var created = await CreateBundleAsync(dir, socket, "broken");
        var state = Path.Combine(created.Path, "state");
        File.SetAttributes(state, FileAttributes.Normal);
        var bytes = await File.ReadAllBytesAsync(state);
        bytes[bytes.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(state, bytes);

        var clone = await RunAsync("clone", "--bundle", "broken", "--count", "3", "--no-network", "--socket", socket);

        Assert.Equal(ExitCodes.DataError, clone.Code);
        Assert.Contains("corrupted", clone.Error, StringComparison.Ordinal);
        Assert.Empty(await ListAsync(socket));
        Assert.Equal(ExitCodes.NoInput, (await RunAsync("bundle", "verify", "no-such-bundle", "--socket", socket)).Code);
    }

    public void Dispose()
    {
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }
    }

    private async Task<HostdUnderTest> StartHostdAsync(TempDirectory dir, string config = Config)
    {
        var listener = NotifyListener.AtPath(dir.Combine($"notify-{_listeners.Count}"));
        _listeners.Add(listener);
        var hostd = HostdUnderTest.Start(dir, config, listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);
        return hostd;
    }

    private static async Task<BundleInfo> CreateBundleAsync(TempDirectory dir, string socket, string name)
    {
        var spec = dir.Combine($"{name}.json");
        await File.WriteAllTextAsync(spec, JsonSerializer.Serialize(VmTestBed.SeaBiosSpec(), VmSpecJson.Options));
        var baseImage = dir.Combine($"{name}.raw");
        await QemuImg.CreateAsync(baseImage, "raw", 1 << 20, CancellationToken.None);

        var created = await RunAsync("template", "create", name, "--spec", spec, "--base", $"root={baseImage}:raw", "--socket", socket, "--json");

        Assert.True(created.Code == ExitCodes.Ok, created.Error);
        Assert.Contains("[template.create] migrating", created.Error, StringComparison.Ordinal);
        return JsonSerializer.Deserialize<BundleInfo>(created.Output, JsonSerializerOptions.Web)!;
    }

    private static async Task<VmInfo[]> ListAsync(string socket)
    {
        var list = await RunAsync("vm", "list", "--socket", socket, "--json");
        Assert.True(list.Code == ExitCodes.Ok, list.Error);
        return JsonSerializer.Deserialize<VmInfo[]>(list.Output, JsonSerializerOptions.Web)!;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
