namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>
/// The peer broke a mandatory rule of the NBD protocol (bad magic, unknown flags, a length over a limit, a reply
/// that does not match its request). The connection cannot be trusted afterwards: the server drops it and goes on;
/// the client closes it and fails every pending request.
/// </summary>
/// <remarks>proto.md "Termination of the session during option haggling": a party that detects a violation of a
/// mandatory condition MAY initiate a hard disconnect. An <see cref="IOException"/>, so callers that fail over on a
/// lost connection also fail over on a garbage-speaking peer.</remarks>
public sealed class NbdProtocolException : IOException
{
    public NbdProtocolException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
