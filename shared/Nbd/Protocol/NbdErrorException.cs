namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>
/// Thrown by an export (or received by a client) to fail one request with a protocol error value;
/// the connection stays usable.
/// </summary>
public class NbdErrorException : Exception
{
    public NbdErrorException(NbdError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>The error value sent to (or received from) the peer.</summary>
    public NbdError Error { get; }
}
