namespace Jumpstart.Hostd.Qmp;

/// <summary>QMP error classes (qapi/error.json, QEMU 7.2).</summary>
public static class QmpErrorClasses
{
    public const string Generic = "GenericError";
    public const string CommandNotFound = "CommandNotFound";
    public const string DeviceNotActive = "DeviceNotActive";
    public const string DeviceNotFound = "DeviceNotFound";
    public const string KvmMissingCap = "KVMMissingCap";
}
