namespace Jumpstart.Shared.Metadata;

/// <summary>The disc formats guestd understands.</summary>
public enum MetadataSource
{
    /// <summary>Jumpstart's own disc.</summary>
    Jumpstart,

    /// <summary>cloud-init NoCloud, volume label <c>cidata</c>.</summary>
    NoCloud,

    /// <summary>OpenStack ConfigDrive, volume label <c>config-2</c>.</summary>
    ConfigDrive,
}
