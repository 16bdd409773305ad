namespace Jumpstart.Shared.HostApi;

/// <summary>Names of the stages a clone passes, in order, as recorded in <see cref="CloneResult.Stages"/>.</summary>
public static class CloneStage
{
    public const string Verify = "verify";
    public const string Disks = "disks";
    public const string Spawn = "spawn";
    public const string Migrated = "migrate-incoming";
    public const string DiscInserted = "disc-inserted";
    public const string Running = "cont";
}
