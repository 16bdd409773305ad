using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>
/// libpcap refused an operation. <see cref="Status"/> is libpcap's negative status code
/// (<c>PCAP_ERROR_*</c>) or -1 for a plain error; the message is libpcap's own text.
/// </summary>
public class PcapException(string message, int status = PcapException.GenericError) : Exception(message)
{
    /// <summary>PCAP_ERROR.</summary>
    public const int GenericError = -1;

    /// <summary>PCAP_ERROR_NO_SUCH_DEVICE.</summary>
    public const int NoSuchDevice = -5;

    /// <summary>PCAP_ERROR_PERM_DENIED.</summary>
    public const int PermissionDenied = -8;

    /// <summary>PCAP_ERROR_IFACE_NOT_UP.</summary>
    public const int InterfaceNotUp = -9;

    public int Status { get; } = status;

    /// <summary>The one place a libpcap status becomes an exception (the type says what went wrong).</summary>
    [DoesNotReturn]
    public static void Throw(PcapHandle handle, int status, string operation)
    {
        var detail = Marshal.PtrToStringUTF8(PcapNative.GetError(handle));
        if (string.IsNullOrEmpty(detail) || status < GenericError)
        {
            var statusText = Marshal.PtrToStringUTF8(PcapNative.StatusToString(status));
            detail = string.IsNullOrEmpty(detail) ? statusText : $"{statusText}: {detail}";
        }

        var message = $"{operation}: {detail}";
        throw status switch
        {
            NoSuchDevice => new PcapDeviceException(message, status),
            InterfaceNotUp => new PcapDeviceException(message, status),
            PermissionDenied => new PcapPermissionException(message, status),
            _ => new PcapException(message, status),
        };
    }
}
