namespace Jumpstart.Hostd.Qmp;

/// <summary>The QMP socket closed (QEMU exited or was killed) before the answer arrived.</summary>
public sealed class QmpConnectionClosedException(string message, Exception? inner = null) : QmpException(message, inner);
