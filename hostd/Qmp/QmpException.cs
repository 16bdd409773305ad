namespace Jumpstart.Hostd.Qmp;

/// <summary>
/// Base of every QMP failure: the transport (<see cref="QmpConnectionClosedException"/>), the wire
/// (<see cref="QmpProtocolException"/>), a deadline (<see cref="QmpTimeoutException"/>) or QEMU refusing
/// a command (<see cref="QmpCommandException"/>).
/// </summary>
public abstract class QmpException : Exception
{
    protected QmpException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
