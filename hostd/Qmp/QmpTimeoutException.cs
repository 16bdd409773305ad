namespace Jumpstart.Hostd.Qmp;

/// <summary>A command's answer or an awaited event did not arrive within its bound.</summary>
public sealed class QmpTimeoutException(string what, TimeSpan timeout)
    : QmpException($"QMP: {what} did not happen within {timeout.TotalSeconds:0.###} s")
{
    public TimeSpan Timeout { get; } = timeout;
}
