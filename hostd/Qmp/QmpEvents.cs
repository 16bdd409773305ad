namespace Jumpstart.Hostd.Qmp;

/// <summary>Event names hostd waits for (QMP reference, QEMU 7.2: qapi/run-state.json, qapi/migration.json).</summary>
public static class QmpEvents
{
    public const string Stop = "STOP";
    public const string Resume = "RESUME";
    public const string Shutdown = "SHUTDOWN";
    public const string Migration = "MIGRATION";
    public const string DeviceTrayMoved = "DEVICE_TRAY_MOVED";

    /// <summary>MIGRATION's <c>status</c> values that end a migration.</summary>
    public const string MigrationCompleted = "completed";
    public const string MigrationFailed = "failed";
    public const string MigrationCancelled = "cancelled";
}
