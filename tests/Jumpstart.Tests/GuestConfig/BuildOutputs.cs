namespace Jumpstart.Tests.GuestConfig;

/// <summary>
/// Finds the real executables (<c>jumpstart</c>, <c>jumpstart-guestd</c>) built beside the tests, in
/// the same configuration (Debug or Release) as the test assembly.
/// </summary>
internal static class BuildOutputs
{
    public static string Jumpstart => Find("hostd/Programs/jumpstart", "jumpstart");

    public static string Guestd => Find("guestd/Programs/jumpstart-guestd", "jumpstart-guestd");

    private static string Find(string projectDirectory, string name)
    {
        var testOutput = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(testOutput).Parent?.Name ?? "Release";
        var path = Path.Combine(RepositoryRoot(testOutput), projectDirectory, "bin", configuration, "net10.0", name);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{name} is not built at {path} (run packaging/setup or dotnet build Daemons.sln -c {configuration})", path);
    }

    private static string RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Daemons.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Daemons.sln above {start}");
    }
}
