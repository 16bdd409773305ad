using System.Text.Json;
using Jumpstart.Hostd.DBus;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Vm;
using Xunit;

namespace Jumpstart.Tests.DBus;

/// <summary>
/// No fake machined or hostnamed: hostd and guestd run inside a <c>systemd-nspawn --boot</c> container
/// whose PID 1 is a real systemd, and systemd's own tools (<c>machinectl</c>, <c>hostnamectl</c>, busctl)
/// show what they did.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.DBus)]
public sealed class MachinedNspawnTests
{
    private const string Bridge = "jsbr0";
    private const string HostdUnit = "jumpstart-hostd-test";
    private const string CloneName = "nspawn-1";

    private static readonly TimeSpan s_registration = TimeSpan.FromSeconds(30);

    [ToolFact("systemd-nspawn", "nsenter", "qemu-system-x86_64", "qemu-img", NeedsRoot = true)]
    public async Task AClone_IsAMachine_ThatMachinectlLists_AndAHostdRestartKeeps_UntilHostdStopsIt()
    {
        using var dir = new TempDirectory("nspawn-machined");
        await using var container = await NspawnContainer.BootAsync(dir);
        var socket = dir.Combine("run", "hostd.sock");
        await StartHostdUnitAsync(container, dir);

        var clone = await CloneOneAsync(container, dir, socket);
        var shown = await WithHostdJournalAsync(container, () => container.RunUntilAsync(r => r.Succeeded, s_registration, "machinectl", "show", CloneName, "-p", "Class", "-p", "Service", "-p", "Leader", "-p", "Unit"));
        var list = await container.RunCheckedAsync("machinectl", "list", "--no-legend");
        var ifindex = (await container.RunCheckedAsync("cat", $"/sys/class/net/{clone.Tap}/ifindex")).Trim();
        var interfaces = await container.RunCheckedAsync("busctl", "get-property", MachineRegistrar.BusName, "/org/freedesktop/machine1/machine/nspawn_2d1", "org.freedesktop.machine1.Machine", "NetworkInterfaces");
        var nodeName = await container.RunCheckedAsync("busctl", "get-property", HostdObject.BusName, HostdObject.ObjectPath, HostdObject.Interface, HostdObject.NodeNameProperty);

        await container.RunCheckedAsync("systemctl", "restart", HostdUnit);
        var survived = await container.RunAsync("test", "-d", $"/proc/{clone.Pid}");
        var afterRestart = await ListVmsAsync(container, socket);
        var stillListed = await container.RunCheckedAsync("machinectl", "show", CloneName, "-p", "Leader");

        await container.RunCheckedAsync(Jumpstart, "vm", "stop", CloneName, "--socket", socket);
        var gone = await container.RunUntilAsync(r => !r.Succeeded, s_registration, "machinectl", "show", CloneName);

        Assert.Equal(["Class=vm", $"Leader={clone.Pid}", "Service=jumpstart-hostd", @"Unit=machine-nspawn\x2d1.scope"], Lines(shown.StandardOutput).Order(StringComparer.Ordinal));
        Assert.Contains(Lines(list), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [CloneName, "vm", "jumpstart-hostd", ..]);
        Assert.Equal($"ai 1 {ifindex}", interfaces.Trim());
        Assert.Equal("s \"hv-nspawn\"", nodeName.Trim());
        Assert.True(survived.Succeeded, $"QEMU (pid {clone.Pid}) died with hostd's unit");
        Assert.Contains(afterRestart, v => v.Name == CloneName && v.Pid == clone.Pid && v.State == "alive");
        Assert.Equal($"Leader={clone.Pid}", stillListed.Trim());
        Assert.Contains("No machine", gone.StandardError, StringComparison.OrdinalIgnoreCase);
    }

    [ToolFact("systemd-nspawn", "nsenter", NeedsRoot = true)]
    public async Task Guestd_SetsTheHostnameThroughHostnamed_AsHostnamectlShows()
    {
        using var dir = new TempDirectory("nspawn-hostnamed");
        await using var container = await NspawnContainer.BootAsync(dir);
        var disc = dir.Combine("meta.iso");
        MetadataDisc.WriteFile(new CloneMetadata { InstanceId = "i-nspawn", Hostname = "clone-nspawn" }, disc);

        var apply = await container.RunAsync(Guestd, "apply", "--disc", disc, "--state-dir", dir.Combine("guestd-state"), "--json");
        var statics = await container.RunCheckedAsync("hostnamectl", "--static");
        var transient = await container.RunCheckedAsync("hostnamectl", "--transient");
        var etcHostname = await container.RunCheckedAsync("cat", "/etc/hostname");

        Assert.True(apply.Succeeded, apply.StandardError + apply.StandardOutput);
        Assert.Contains("set through systemd-hostnamed", apply.StandardOutput + apply.StandardError, StringComparison.Ordinal);
        Assert.Equal("clone-nspawn", statics.Trim());
        Assert.Equal("clone-nspawn", transient.Trim());
        Assert.Equal("clone-nspawn", etcHostname.Trim());
        Assert.Equal("clone-nspawn", JsonDocument.Parse(apply.StandardOutput).RootElement.GetProperty("kernelHostname").GetString());
    }

    private static string Jumpstart => BuiltPrograms.Cli;

    private static string Guestd => BuiltPrograms.Find("guestd/Programs/jumpstart-guestd", "jumpstart-guestd");

    /// <summary>The .NET installation this test runs on (…/shared/Microsoft.NETCore.App/VERSION/ is three levels below it), for hostd's apphost in a unit's clean environment.</summary>
    private static string DotnetRoot => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>hostd as a transient Type=notify unit, so "restart" is systemd's and its cgroup is the unit's.</summary>
    private static async Task StartHostdUnitAsync(NspawnContainer container, TempDirectory dir)
    {
        var config = dir.Combine("hostd.json");
        await File.WriteAllTextAsync(config, $$"""{ "Hostd": { "NodeName": "hv-nspawn" }, "Vm": { "Accelerator": "tcg", "Bridge": "{{Bridge}}" } }""");
        await container.RunCheckedAsync("ip", "link", "add", Bridge, "type", "bridge");
        await container.RunCheckedAsync("ip", "link", "set", Bridge, "up");
        await container.RunCheckedAsync(
            "systemd-run", $"--unit={HostdUnit}", "--property=Type=notify", "--property=NotifyAccess=main",
            $"--setenv=DOTNET_ROOT={DotnetRoot}",
            BuiltPrograms.Hostd, "--config", config, "--state-dir", dir.Combine("state"), "--runtime-dir", dir.Combine("run"));
    }

    private static async Task<CloneResult> CloneOneAsync(NspawnContainer container, TempDirectory dir, string socket)
    {
        var spec = dir.Combine("spec.json");
        await File.WriteAllTextAsync(spec, JsonSerializer.Serialize(VmTestBed.SeaBiosSpec(), VmSpecJson.Options));
        var baseImage = dir.Combine("base.raw");
        await QemuImg.CreateAsync(baseImage, "raw", 1 << 20, CancellationToken.None);
        await container.RunCheckedAsync(Jumpstart, "template", "create", "nspawn-base", "--spec", spec, "--base", $"root={baseImage}:raw", "--socket", socket, "--json");
        var output = await container.RunCheckedAsync(Jumpstart, "clone", "--bundle", "nspawn-base", "--count", "1", "--prefix", "nspawn", "--address", "10.99.0.10/24", "--socket", socket, "--json");
        var clone = JsonSerializer.Deserialize<CloneReport>(output, JsonSerializerOptions.Web)!.Clones.Single();
        Assert.True(clone.Succeeded, clone.Error);
        Assert.NotNull(clone.Tap);
        return clone;
    }

    /// <summary>Runs <paramref name="step"/>; when it times out, the failure carries hostd's journal.</summary>
    private static async Task<T> WithHostdJournalAsync<T>(NspawnContainer container, Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (TimeoutException ex)
        {
            var journal = await container.RunAsync("journalctl", "--no-pager", "-u", HostdUnit, "-u", "systemd-machined");
            throw new TimeoutException($"{ex.Message}\n--- journal ---\n{journal.StandardOutput}", ex);
        }
    }

    private static async Task<VmInfo[]> ListVmsAsync(NspawnContainer container, string socket)
        => JsonSerializer.Deserialize<VmInfo[]>(await container.RunCheckedAsync(Jumpstart, "vm", "list", "--socket", socket, "--json"), JsonSerializerOptions.Web)!;
}
