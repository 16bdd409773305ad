using System.Collections.Concurrent;
using Mono.Unix.Native;

namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>
/// The parts this hostd has hashed and found to match their manifest, by path and by the file's identity when it
/// was hashed: device, inode, size, modification and change time (stat(2)). A clone request re-reads a part only
/// when any of them differs, so the same bundle cloned again is not hashed again (issue 18), and a part written
/// since (mtime, ctime), truncated or grown (size) or replaced by another file (device, inode) is hashed in full.
/// </summary>
/// <remarks>
/// The change time is part of the key because a writer can set the modification time back (touch -d, utimes(2))
/// but not the change time, which the kernel sets on every write and on that very utimes.
/// </remarks>
internal static class VerifiedPartCache
{
    /// <summary>Parts remembered; a host holds a few dozen bundles of a few parts each. Past this the cache starts over.</summary>
    public const int MaxEntries = 4096;

    private static readonly ConcurrentDictionary<string, Entry> s_entries = new(StringComparer.Ordinal);

    /// <summary>The file's identity now, or null when it cannot be stat'ed (missing: the hash path reports it).</summary>
    public static FileIdentity? Identify(string path)
        => Syscall.stat(path, out var stat) == 0 && (stat.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFREG
            ? new FileIdentity(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime, stat.st_mtime_nsec, stat.st_ctime, stat.st_ctime_nsec)
            : null;

    /// <summary>True when <paramref name="path"/> was hashed to <paramref name="sha256"/> and is still the same file, unchanged.</summary>
    public static bool IsVerified(string path, FileIdentity identity, string sha256)
        => s_entries.TryGetValue(Path.GetFullPath(path), out var entry)
            && entry.Identity == identity
            && string.Equals(entry.Sha256, sha256, StringComparison.OrdinalIgnoreCase);

    /// <summary>Remembers a part whose content hashed to its manifest's SHA-256 while its identity stayed <paramref name="identity"/>.</summary>
    public static void Remember(string path, FileIdentity identity, string sha256)
    {
        if (s_entries.Count >= MaxEntries)
        {
            s_entries.Clear();
        }

        s_entries[Path.GetFullPath(path)] = new Entry(identity, sha256);
    }

    /// <summary>Forgets every part (tests).</summary>
    internal static void Clear() => s_entries.Clear();

    private sealed record Entry(FileIdentity Identity, string Sha256);
}

/// <summary>What stat(2) says identifies a file's content: device, inode, size, mtime and ctime (seconds and nanoseconds).</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, long Size, long ModifiedSeconds, long ModifiedNanoseconds, long ChangedSeconds, long ChangedNanoseconds);
