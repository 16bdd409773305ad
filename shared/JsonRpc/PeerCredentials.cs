using System.Buffers.Binary;
using System.Net.Sockets;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>The process at the other end of a connected unix socket, as the kernel recorded it at connect().</summary>
/// <remarks>Linux socket(7), SO_PEERCRED: <c>struct ucred { pid_t pid; uid_t uid; gid_t gid; }</c>, three 32-bit fields.</remarks>
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int UcredSize = 12;
    private const int PidOffset = 0;
    private const int UidOffset = 4;
    private const int GidOffset = 8;

    /// <summary>Reads SO_PEERCRED; null when the socket is not a unix socket or the kernel will not say.</summary>
    public static PeerCredentials? Read(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.AddressFamily != AddressFamily.Unix || !OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> ucred = stackalloc byte[UcredSize];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) != UcredSize)
            {
                return null;
            }
        }
        catch (SocketException)
        {
            return null;
        }

        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(ucred[PidOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[UidOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[GidOffset..]));
    }

    public override string ToString() => $"pid {Pid} uid {Uid} gid {Gid}";
}
