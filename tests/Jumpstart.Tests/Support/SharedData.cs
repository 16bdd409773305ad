namespace Jumpstart.Tests.Support;

/// <summary>The team's data folder beside the checkout (<c>../shared/data</c>); read-only, never copied into the repository.</summary>
public static class SharedData
{
    public static string Root { get; } = Path.GetFullPath(Path.Combine(BuiltPrograms.RepositoryRoot, "..", "shared", "data"));

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    /// <summary>Whether the file or folder is there.</summary>
    public static bool Exists(string relativePath) => File.Exists(PathOf(relativePath)) || Directory.Exists(PathOf(relativePath));

    /// <summary>The folder's path; fails the test (in CI, where it must exist) when it is absent.</summary>
    public static string RequireDirectory(string relativePath)
    {
        var path = PathOf(relativePath);
        return Directory.Exists(path) ? path : throw new DirectoryNotFoundException($"shared data folder {path} is missing (CI needs the team data folder)");
    }

    /// <summary>The file's path; fails the test (in CI, where it must exist) when it is absent.</summary>
    public static string Require(string relativePath)
    {
        var path = PathOf(relativePath);
        return File.Exists(path) ? path : throw new FileNotFoundException($"shared data file {path} is missing (CI needs the team data folder)", path);
    }
}
