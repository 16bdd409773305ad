using System.Runtime.Versioning;
using System.Text;
using Jumpstart.Shared.Iso9660;
using Xunit;

namespace Jumpstart.Tests.Iso9660;

/// <summary>
/// One tree of files that exercises what metadata discs need: nesting to the ECMA-119 limit, long
/// and non-ASCII names, modes, an empty file, a multi-megabyte file and a symlink. It can be put
/// into an <see cref="IsoImageBuilder"/> or onto disk for genisoimage and xorriso.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class IsoSampleTree
{
    public static readonly string LongName = new string('n', 150) + ".data";

    /// <summary>Path -> (content, mode).</summary>
    public static IReadOnlyDictionary<string, (byte[] Content, UnixFileMode Mode)> Files { get; } = CreateFiles();

    public const string SymlinkPath = "link-to-script";
    public const string SymlinkTarget = "bin/run.sh";

    public static readonly DateTimeOffset Timestamp = new(2024, 5, 17, 12, 30, 45, TimeSpan.Zero);

    private static Dictionary<string, (byte[], UnixFileMode)> CreateFiles()
    {
        const UnixFileMode ReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode Executable = ReadWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        var blob = new byte[3 << 20];
        new Random(1234).NextBytes(blob);
        return new Dictionary<string, (byte[], UnixFileMode)>(StringComparer.Ordinal)
        {
            ["hello.txt"] = (Encoding.UTF8.GetBytes("hello world\n"), ReadWrite),
            ["bin/run.sh"] = (Encoding.UTF8.GetBytes("#!/bin/sh\necho hi\n"), Executable),
            ["secret/key"] = (Encoding.UTF8.GetBytes("s3cr3t"), UnixFileMode.UserRead | UnixFileMode.UserWrite),
            ["a/b/c/d/e/f/g/leaf.txt"] = (Encoding.UTF8.GetBytes("deep\n"), ReadWrite),
            [LongName] = (Encoding.UTF8.GetBytes("long\n"), ReadWrite),
            ["Mixed Case Name.JSON"] = (Encoding.UTF8.GetBytes("{}\n"), ReadWrite),
            ["ünïcødé.txt"] = (Encoding.UTF8.GetBytes("unicode\n"), ReadWrite),
            ["empty"] = ([], ReadWrite),
            ["data/blob.bin"] = (blob, ReadWrite),
            ["openstack/latest/meta_data.json"] = (Encoding.UTF8.GetBytes("{\"uuid\": \"x\"}\n"), ReadWrite),
        };
    }

    public static IsoImageBuilder CreateBuilder(string label = "SAMPLE", DateTimeOffset? timestamp = null)
    {
        var builder = new IsoImageBuilder(label, timestamp ?? Timestamp);
        foreach (var (path, (content, mode)) in Files)
        {
            builder.AddFile(path, content, (int)mode);
        }

        builder.AddSymlink(SymlinkPath, SymlinkTarget);
        return builder;
    }

    public static string WriteImage(string directory, string name = "sample.iso")
    {
        var path = Path.Combine(directory, name);
        using var stream = File.Create(path);
        CreateBuilder().Build(stream);
        return path;
    }

    /// <summary>Writes the tree to disk (for genisoimage / xorriso) and returns its root.</summary>
    public static string WriteTree(string directory, IEnumerable<string>? only = null)
    {
        var root = Path.Combine(directory, "tree");
        var include = only?.ToHashSet(StringComparer.Ordinal);
        foreach (var (path, (content, mode)) in Files.Where(f => include is null || include.Contains(f.Key)))
        {
            var full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
            File.SetUnixFileMode(full, mode);
        }

        File.CreateSymbolicLink(Path.Combine(root, SymlinkPath), SymlinkTarget);
        return root;
    }

    /// <summary>Asserts that an extracted or mounted tree holds every file with the right content, and the right mode when asked.</summary>
    public static void AssertTree(string root, bool checkModes, int? maxNameChars = null, bool checkSymlink = true)
    {
        foreach (var (path, (content, mode)) in Files)
        {
            if (maxNameChars is { } max && path.Split('/').Any(p => p.Length > max))
            {
                continue;
            }

            var full = Path.Combine(root, path);
            Assert.True(File.Exists(full), $"missing {path}");
            Assert.Equal(content, File.ReadAllBytes(full));
            if (checkModes)
            {
                Assert.Equal(mode, File.GetUnixFileMode(full));
            }
        }

        if (checkSymlink)
        {
            Assert.Equal(SymlinkTarget, new FileInfo(Path.Combine(root, SymlinkPath)).LinkTarget);
        }
    }
}
