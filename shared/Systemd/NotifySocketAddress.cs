using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Text;

namespace Jumpstart.Shared.Systemd;

/// <summary>Turns a NOTIFY_SOCKET value into the unix datagram endpoint to send to.</summary>
/// <remarks>
/// sd_notify(3), "Environment": NOTIFY_SOCKET is either an absolute file system path or, when it
/// starts with '@', an abstract socket name (the '@' stands for the leading NUL byte). systemd 254
/// added "vsock:" addresses for VMs; Jumpstart's daemons run on the host or in a guest's own systemd,
/// so those are reported as unsupported instead of being guessed at.
/// </remarks>
public static class NotifySocketAddress
{
    /// <summary>sun_path in struct sockaddr_un holds 108 bytes, including the terminating NUL for paths.</summary>
    public const int MaxSunPathBytes = 108;

    /// <summary>Parses <paramref name="value"/>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(
        string? value,
        [NotNullWhen(true)] out UnixDomainSocketEndPoint? endPoint,
        [NotNullWhen(false)] out string? error)
    {
        endPoint = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "NOTIFY_SOCKET is empty";
            return false;
        }

        string socketPath;
        if (value[0] == '@')
        {
            if (value.Length == 1)
            {
                error = "NOTIFY_SOCKET names an empty abstract socket";
                return false;
            }

            // .NET treats a leading NUL as the Linux abstract namespace, exactly what '@' encodes.
            socketPath = "\0" + value[1..];
        }
        else if (value[0] == '/')
        {
            socketPath = value;
        }
        else
        {
            error = $"NOTIFY_SOCKET '{value}' is neither an absolute path nor an abstract '@' name (vsock is not supported)";
            return false;
        }

        // Abstract names use all 108 bytes; paths need room for their NUL terminator.
        var limit = value[0] == '@' ? MaxSunPathBytes : MaxSunPathBytes - 1;
        if (Encoding.UTF8.GetByteCount(socketPath) > limit)
        {
            error = $"NOTIFY_SOCKET '{value}' is longer than a unix socket address allows ({limit} bytes)";
            return false;
        }

        endPoint = new UnixDomainSocketEndPoint(socketPath);
        error = null;
        return true;
    }
}
