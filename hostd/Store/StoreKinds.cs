namespace Jumpstart.Hostd.Store;

/// <summary>What a stored file holds.</summary>
public static class StoreKinds
{
    /// <summary>A plain file.</summary>
    public const string File = "file";

    /// <summary>A directory (e.g. a state bundle) stored as a POSIX tar stream.</summary>
    public const string Directory = "directory";
}
