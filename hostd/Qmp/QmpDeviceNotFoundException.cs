namespace Jumpstart.Hostd.Qmp;

/// <summary>The command named a device this VM does not have (class <c>DeviceNotFound</c>).</summary>
public sealed class QmpDeviceNotFoundException(string command, string description)
    : QmpCommandException(command, QmpErrorClasses.DeviceNotFound, description);
