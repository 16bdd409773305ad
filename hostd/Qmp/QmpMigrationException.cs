namespace Jumpstart.Hostd.Qmp;

/// <summary>A migration (outgoing or incoming) ended in <c>failed</c> or <c>cancelled</c>.</summary>
public sealed class QmpMigrationException(string command, string status, string? reason)
    : QmpException($"{command} ended {status}{(reason is null ? string.Empty : $": {reason}")}")
{
    public string Status { get; } = status;

    public string? Reason { get; } = reason;
}
