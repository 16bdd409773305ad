namespace Jumpstart.Guestd.Daemon;

/// <summary>What a poll of a watched device found.</summary>
public enum CdromStatus
{
    /// <summary>The device node does not exist.</summary>
    Absent,

    /// <summary>Not a CDROM (an image file, a disk): read it every poll.</summary>
    NotCdrom,

    /// <summary>CDS_NO_DISC.</summary>
    NoDisc,

    /// <summary>CDS_TRAY_OPEN.</summary>
    TrayOpen,

    /// <summary>CDS_DRIVE_NOT_READY (or the drive did not say).</summary>
    NotReady,

    /// <summary>CDS_DISC_OK: a medium is in and readable.</summary>
    DiscOk,
}
