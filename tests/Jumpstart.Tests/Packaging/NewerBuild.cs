using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// "A newer build" of a .deb for the upgrade test without a second publish: the package unpacked
/// with dpkg-deb, its version raised to VERSION+upgrade1 and every conffile's default changed (a
/// trailing newline, still valid JSON), so dpkg sees an edited conffile whose default also changed,
/// the case where it must choose; then built again with dpkg-deb.
/// </summary>
internal sealed record NewerBuild(string Path, string Version)
{
    public static async Task<NewerBuild> MakeAsync(PackagedSystem system, string deb)
    {
        var tree = system.Shared.Combine("newer-" + System.IO.Path.GetFileNameWithoutExtension(deb));
        await RunAsync("dpkg-deb", "-R", deb, tree);
        var control = System.IO.Path.Combine(tree, "DEBIAN", "control");
        var lines = await File.ReadAllLinesAsync(control);
        var version = lines.Single(l => l.StartsWith("Version: ", StringComparison.Ordinal))["Version: ".Length..] + "+upgrade1";
        await File.WriteAllLinesAsync(control, lines.Select(l => l.StartsWith("Version: ", StringComparison.Ordinal) ? "Version: " + version : l));

        var conffiles = await File.ReadAllLinesAsync(System.IO.Path.Combine(tree, "DEBIAN", "conffiles"));
        foreach (var conffile in conffiles.Where(c => c.StartsWith('/')))
        {
            await File.AppendAllTextAsync(System.IO.Path.Combine(tree, conffile.TrimStart('/')), "\n");
        }

        // md5sums lists every file but the conffiles; those changed only.
        var path = system.Shared.Combine(System.IO.Path.GetFileName(deb).Replace(".deb", "+upgrade1.deb", StringComparison.Ordinal));
        await RunAsync("dpkg-deb", "--root-owner-group", "-Zgzip", "-b", tree, path);
        return new NewerBuild(path, version);
    }

    private static Task<ProcessResult> RunAsync(string tool, params string[] arguments)
        => Requirements.RunToolAsync(tool, arguments, new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(5) });
}
