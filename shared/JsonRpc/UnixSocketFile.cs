using System.Net.Sockets;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>Decides whether an existing unix socket path may be replaced.</summary>
public static class UnixSocketFile
{
    /// <summary>
    /// Deletes <paramref name="path"/> when it is a socket nobody listens on (left by a crashed
    /// process); returns whether it did. A live socket or any other kind of file is an error:
    /// replacing those would steal another daemon's address or delete someone's data.
    /// </summary>
    public static bool RemoveIfStale(string path)
    {
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists)
        {
            return false;
        }

        if (!IsSocket(path))
        {
            throw new IOException($"'{path}' exists and is not a unix socket; refusing to replace it");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable)
        {
            File.Delete(path);
            return true;
        }

        throw new IOException($"another process is listening on '{path}'");
    }

    private static bool IsSocket(string path)
        => Mono.Unix.Native.Syscall.lstat(path, out var stat) == 0
           && (stat.st_mode & Mono.Unix.Native.FilePermissions.S_IFMT) == Mono.Unix.Native.FilePermissions.S_IFSOCK;
}
