namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>
/// <c>exec:</c> migration URIs. QEMU hands the text after <c>exec:</c> to <c>/bin/sh -c</c>, so these
/// are built only from absolute paths under hostd's own directories, single-quoted, never from
/// metadata or request strings. (QEMU 7.2 has no <c>file:</c> URI; it arrived in 8.2.)
/// </summary>
public static class MigrationUris
{
    /// <summary>Writes the stream to <paramref name="path"/>, zstd-compressed when <paramref name="compress"/>.</summary>
    public static string ToFile(string path, bool compress)
        => compress ? $"exec:zstd -q -1 -T0 -c > {Quote(path)}" : $"exec:cat > {Quote(path)}";

    /// <summary>Reads the stream from <paramref name="path"/>.</summary>
    public static string FromFile(string path, bool compressed)
        => compressed ? $"exec:zstd -q -d -c {Quote(path)}" : $"exec:cat {Quote(path)}";

    /// <summary>POSIX shell single quoting: the only special character inside is the quote itself.</summary>
    /// <exception cref="ArgumentException">Not an absolute path, or it holds a control character.</exception>
    public static string Quote(string path)
    {
        if (!Path.IsPathFullyQualified(path) || path.Any(char.IsControl))
        {
            throw new ArgumentException($"'{path}' is not an absolute path hostd may hand to a shell", nameof(path));
        }

        return $"'{path.Replace("'", "'\\''", StringComparison.Ordinal)}'";
    }
}
