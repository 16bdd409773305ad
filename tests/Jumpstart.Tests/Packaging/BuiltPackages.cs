using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// The four packages <c>packaging/build-packages</c> makes and (on request, as it needs root) the Debian 12
/// root file system <c>packaging/build-test-root</c> makes for them, each built once per test run. Both
/// scripts cache their output by a hash of its inputs, so after the first run (or packaging/setup) this
/// takes a second.
/// </summary>
public sealed class BuiltPackages
{
    /// <summary>First build: three self-contained publishes, dpkg-buildpackage, rpmbuild; mmdebstrap for the root.</summary>
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(20);

    private static readonly ProcessRunOptions s_options = new() { Timeout = s_buildTimeout, MaxCapturedChars = 256 * 1024 };

    private static readonly Lazy<Task<BuiltPackages>> s_built = new(BuildAsync);

    private readonly Lazy<Task<string>> _root;

    private BuiltPackages(string directory)
    {
        Directory = directory;
        _root = new(BuildRootAsync);
    }

    /// <summary>Where the .deb and .rpm files are (the build cache: read only).</summary>
    public string Directory { get; }

    /// <summary>The Debian 12 root with systemd and the packages' dependencies (the cache: the containers mount it read-only).</summary>
    public Task<string> RootAsync() => _root.Value;

    public string HostDeb => Single("jumpstart-host_*_amd64.deb");

    public string GuestDeb => Single("jumpstart-guest_*_amd64.deb");

    public string HostRpm => Single("jumpstart-host-*.x86_64.rpm");

    public string GuestRpm => Single("jumpstart-guest-*.x86_64.rpm");

    /// <summary>The version every package carries (Directory.Build.props).</summary>
    public static string Version
    {
        get
        {
            var props = File.ReadAllText(BuiltPrograms.RepositoryFile("Directory.Build.props"));
            var start = props.IndexOf("<Version>", StringComparison.Ordinal) + "<Version>".Length;
            return props[start..props.IndexOf("</Version>", start, StringComparison.Ordinal)];
        }
    }

    public static Task<BuiltPackages> GetAsync() => s_built.Value;

    private string Single(string pattern)
    {
        var files = System.IO.Directory.GetFiles(Directory, pattern);
        return files.Length == 1 ? files[0] : throw new InvalidOperationException($"{Directory} holds {files.Length} files like {pattern}");
    }

    private static async Task<BuiltPackages> BuildAsync()
    {
        var packages = await Requirements.RunToolAsync(BuiltPrograms.RepositoryFile("packaging/build-packages"), ["--quiet"], s_options);
        return new BuiltPackages(LastLine(packages.StandardOutput));
    }

    private async Task<string> BuildRootAsync()
    {
        var root = await Requirements.RunToolAsync(BuiltPrograms.RepositoryFile("packaging/build-test-root"), ["--quiet", HostDeb, GuestDeb], s_options);
        return LastLine(root.StandardOutput);
    }

    private static string LastLine(string output) => output.Trim().Split('\n')[^1].Trim();
}
