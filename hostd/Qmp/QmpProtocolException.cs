namespace Jumpstart.Hostd.Qmp;

/// <summary>The peer sent something that is not QMP: no greeting, malformed JSON, an over-long line.</summary>
public sealed class QmpProtocolException(string message, Exception? inner = null) : QmpException(message, inner);
