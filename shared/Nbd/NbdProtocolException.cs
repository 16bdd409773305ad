namespace Jumpstart.Shared.Nbd;

/// <summary>
/// The peer broke a mandatory rule of the protocol (bad magic, unknown client flags, a length over a limit that
/// cannot be skipped): the connection is dropped, the server goes on.
/// </summary>
/// <remarks>proto.md "Termination of the session during option haggling": a party that detects a violation of a
/// mandatory condition MAY initiate a hard disconnect.</remarks>
public sealed class NbdProtocolException : Exception
{
    public NbdProtocolException(string message)
        : base(message)
    {
    }
}
