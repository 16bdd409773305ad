namespace Jumpstart.Hostd.Qmp;

/// <summary>This QEMU does not know the command (class <c>CommandNotFound</c>), e.g. an older version.</summary>
public sealed class QmpCommandNotFoundException(string command, string description)
    : QmpCommandException(command, QmpErrorClasses.CommandNotFound, description);
