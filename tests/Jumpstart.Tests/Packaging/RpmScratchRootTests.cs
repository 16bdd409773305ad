using System.Runtime.Versioning;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// The .rpm files installed with <c>rpm --root</c> into a scratch root: no Fedora or EL root can be made here
/// (no such archive), so the root holds only a shell (busybox) and a <c>systemctl</c> that records its arguments.
/// That is enough to see the files land, the vendored systemd scriptlets run with the right units on install,
/// upgrade and erase, <c>rpm -V</c> pass, and an edited configuration file survive both.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Packaging)]
[Collection(PackagingCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class RpmScratchRootTests
{
    private const string SystemctlLog = "systemctl.log";

    [ToolFact("rpm", "busybox", PackagingCollection.DpkgBuildpackage, PackagingCollection.Rpmbuild, NeedsRoot = true)]
    public async Task Install_Reinstall_Erase_RunTheScriptlets_PlaceTheFiles_AndVerify()
    {
        var packages = await BuiltPackages.GetAsync();
        using var dir = new TempDirectory("rpm-root");
        var root = dir.Combine("root");
        await MakeScratchRootAsync(root);

        await RpmAsync(root, "--initdb");
        await RpmAsync(root, "-i", "--nodeps", packages.HostRpm, packages.GuestRpm);
        var afterInstall = await File.ReadAllLinesAsync(Path.Combine(root, SystemctlLog));
        var hostFiles = (await RpmAsync(root, "-ql", "jumpstart-host")).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var guestFiles = (await RpmAsync(root, "-ql", "jumpstart-guest")).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var configFiles = (await RpmAsync(root, "-qc", "jumpstart-host", "jumpstart-guest")).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var verified = await RpmAsync(root, "-V", "--nodeps", "jumpstart-host", "jumpstart-guest");
        // The installed command runs (self-contained: the runtime is in the package, the host's C library serves).
        var version = await Requirements.RunToolAsync(Path.Combine(root, "usr/bin/jumpstart"), ["--version"]);

        var hostdJson = Path.Combine(root, "etc/jumpstart/hostd.json");
        await File.AppendAllTextAsync(hostdJson, "\n");
        var edited = await File.ReadAllTextAsync(hostdJson);
        var verifyEdited = await ProcessRunner.RunAsync(Requirements.RequireTool("rpm"), [.. RpmRoot(root), "-V", "--nodeps", "jumpstart-host"], new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(2) });
        await RpmAsync(root, "-U", "--replacepkgs", "--nodeps", packages.HostRpm);
        var afterReinstall = await File.ReadAllLinesAsync(Path.Combine(root, SystemctlLog));
        var keptOnReinstall = await File.ReadAllTextAsync(hostdJson);
        await RpmAsync(root, "-e", "jumpstart-host", "jumpstart-guest");
        var afterErase = await File.ReadAllLinesAsync(Path.Combine(root, SystemctlLog));

        Assert.Equal(["--no-reload preset jumpstart-hostd.socket jumpstart-hostd.service", "--no-reload preset jumpstart-guestd.service"], afterInstall.Order(StringComparer.Ordinal).Reverse());
        Assert.Subset(hostFiles.ToHashSet(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal)
        {
            "/usr/bin/jumpstart", "/usr/bin/jumpstart-hostd", "/usr/lib/jumpstart/host/jumpstart-hostd", "/usr/lib/jumpstart/host/jumpstart",
            "/usr/lib/systemd/system/jumpstart-hostd.service", "/usr/lib/systemd/system/jumpstart-hostd.socket", "/etc/jumpstart/hostd.json",
            "/usr/share/dbus-1/system.d/org.jumpstart.Hostd1.conf", "/usr/share/bash-completion/completions/jumpstart",
            "/usr/share/man/man1/jumpstart.1.gz", "/usr/share/man/man8/jumpstart-hostd.8.gz",
        });
        Assert.Subset(guestFiles.ToHashSet(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal)
        {
            "/usr/bin/jumpstart-guestd", "/usr/lib/jumpstart/guest/jumpstart-guestd", "/usr/lib/systemd/system/jumpstart-guestd.service",
            "/etc/jumpstart/guestd.json", "/usr/share/man/man8/jumpstart-guestd.8.gz",
        });
        Assert.DoesNotContain(guestFiles, f => f.StartsWith("/usr/lib/jumpstart/host", StringComparison.Ordinal));
        Assert.Equal(["/etc/jumpstart/guestd.json", "/etc/jumpstart/hostd.json"], configFiles.Order(StringComparer.Ordinal));
        Assert.True(verified.Succeeded && verified.StandardOutput.Trim().Length == 0, $"rpm -V: {verified.StandardOutput}{verified.StandardError}");
        Assert.StartsWith(BuiltPackages.Version + "+", version.StandardOutput.Trim(), StringComparison.Ordinal);
        Assert.Matches(@"^S\.5\.\.\.\.T\.\s+c /etc/jumpstart/hostd\.json$", verifyEdited.StandardOutput.Trim());
        // Reinstalling (an upgrade for the scriptlets: $1 = 2) restarts a running daemon and presets nothing again.
        Assert.Equal([.. afterInstall, "try-restart jumpstart-hostd.service"], afterReinstall);
        Assert.Equal(edited, keptOnReinstall);
        Assert.Equal(
            [.. afterReinstall, "--no-reload disable --now jumpstart-hostd.socket jumpstart-hostd.service", "--no-reload disable --now jumpstart-guestd.service"],
            [.. afterErase.Take(afterReinstall.Length), .. afterErase.Skip(afterReinstall.Length).Order(StringComparer.Ordinal).Reverse()]);
        Assert.False(Directory.Exists(Path.Combine(root, "usr/lib/jumpstart")), "erase left /usr/lib/jumpstart");
        Assert.Equal(edited, await File.ReadAllTextAsync(hostdJson + ".rpmsave"));
    }

    /// <summary>/bin/sh for the scriptlets (busybox), /dev/null for their redirections, and the recording systemctl.</summary>
    private static async Task MakeScratchRootAsync(string root)
    {
        foreach (var d in new[] { "bin", "usr/bin", "dev", "var/lib/rpm" })
        {
            Directory.CreateDirectory(Path.Combine(root, d));
        }

        File.Copy(Requirements.RequireTool("busybox"), Path.Combine(root, "bin/sh"));
        await Requirements.RunToolAsync("mknod", ["-m", "0666", Path.Combine(root, "dev/null"), "c", "1", "3"]);

        var systemctl = Path.Combine(root, "usr/bin/systemctl");
        await File.WriteAllTextAsync(systemctl, $"#!/bin/sh\necho \"$*\" >> /{SystemctlLog}\n");
        File.SetUnixFileMode(systemctl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    /// <summary>Debian's rpm keeps its database under ~/.rpmdb; the scratch root gets Fedora's place.</summary>
    private static string[] RpmRoot(string root) => ["--root", root, "--dbpath", "/var/lib/rpm"];

    private static Task<ProcessResult> RpmAsync(string root, params string[] arguments)
        => Requirements.RunToolAsync("rpm", [.. RpmRoot(root), .. arguments], new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(3) });
}
