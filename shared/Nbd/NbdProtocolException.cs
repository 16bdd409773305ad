namespace Jumpstart.Shared.Nbd;

/// <summary>
/// The peer broke the NBD protocol (bad magic, an unknown cookie, a length over a limit, a reply that does
/// not match its request). The connection cannot be trusted afterwards and is closed.
/// </summary>
/// <remarks>An <see cref="IOException"/>, so callers that fail over on a lost connection also fail over on a
/// garbage-speaking peer.</remarks>
public class NbdProtocolException : IOException
{
    public NbdProtocolException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
