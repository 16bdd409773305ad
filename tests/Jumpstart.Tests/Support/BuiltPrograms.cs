namespace Jumpstart.Tests.Support;

/// <summary>
/// Finds the repository and the executables the build produced next to this test assembly's
/// configuration (Debug or Release), so integration tests start the real programs.
/// </summary>
public static class BuiltPrograms
{
    private const string TargetFramework = "net10.0";

    /// <summary>The checkout's root (the folder holding Daemons.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>"Release" or "Debug": whatever this test assembly was built as.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The jumpstart-hostd daemon.</summary>
    public static string Hostd => Find("hostd/Programs/jumpstart-hostd", "jumpstart-hostd");

    /// <summary>The operator CLI, <c>jumpstart</c> (its own project in hostd/Cli).</summary>
    public static string Cli => Find("hostd/Cli", "jumpstart");

    /// <summary>A file of the checkout, e.g. "packaging/systemd/jumpstart-hostd.service".</summary>
    public static string RepositoryFile(string relativePath) => Path.Combine(RepositoryRoot, relativePath);

    /// <summary>The apphost of the project in <paramref name="projectDirectory"/> (relative to the root).</summary>
    public static string Find(string projectDirectory, string assemblyName)
    {
        var path = Path.Combine(RepositoryRoot, projectDirectory, "bin", Configuration, TargetFramework, assemblyName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{assemblyName} is not built at {path}; build the test project (it references {projectDirectory})", path);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Daemons.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Daemons.sln above {AppContext.BaseDirectory}");
    }
}
