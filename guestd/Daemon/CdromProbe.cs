using Jumpstart.Guestd.Platform;

namespace Jumpstart.Guestd.Daemon;

/// <summary>
/// Asks a CDROM drive, without reading the disc, whether a disc is in and whether it changed since
/// the last probe: cheap enough to run every few milliseconds, so guestd sees a disc hostd inserted
/// after a resume at once.
/// </summary>
/// <remarks>
/// Linux Documentation/userspace-api/ioctl/cdrom.rst: CDROM_DRIVE_STATUS (0x5326) "Get tray
/// position, etc." with arg CDSL_CURRENT, returning CDS_NO_INFO 0, CDS_NO_DISC 1, CDS_TRAY_OPEN 2,
/// CDS_DRIVE_NOT_READY 3, CDS_DISC_OK 4; CDROM_MEDIA_CHANGED (0x5325) "Check is media changed",
/// returning 1 once per change. The device is opened with O_NONBLOCK, which the cdrom driver
/// requires to open a drive without a disc, and closed after each probe so the tray is never held
/// locked against QEMU's <c>blockdev-change-medium</c>.
/// </remarks>
public static class CdromProbe
{
    public const uint CdromMediaChanged = 0x5325;
    public const uint CdromDriveStatus = 0x5326;

    /// <summary>CDSL_CURRENT: the slot in use (INT_MAX).</summary>
    private const nint CdslCurrent = int.MaxValue;

    private const int CdsNoDisc = 1;
    private const int CdsTrayOpen = 2;
    private const int CdsDriveNotReady = 3;
    private const int CdsDiscOk = 4;

    /// <summary>ENOTTY: the file does not understand CDROM ioctls.</summary>
    private const int ENotTty = 25;
    private const int ENoent = 2;

    /// <summary>Probes <paramref name="device"/>; <paramref name="changed"/> is true when the medium changed since the last probe.</summary>
    public static CdromStatus Probe(string device, out bool changed)
    {
        changed = false;
        var fd = LibC.Open(device, LibC.ORdOnly | LibC.ONonBlock | LibC.OCloExec);
        if (fd < 0)
        {
            return LibC.LastError == ENoent ? CdromStatus.Absent : CdromStatus.NotReady;
        }

        try
        {
            var status = LibC.IoctlValue(fd, CdromDriveStatus, CdslCurrent);
            if (status < 0)
            {
                return LibC.LastError == ENotTty ? CdromStatus.NotCdrom : CdromStatus.NotReady;
            }

            switch (status)
            {
                case CdsDiscOk:
                    changed = LibC.IoctlValue(fd, CdromMediaChanged, CdslCurrent) == 1;
                    return CdromStatus.DiscOk;
                case CdsNoDisc:
                    return CdromStatus.NoDisc;
                case CdsTrayOpen:
                    return CdromStatus.TrayOpen;
                case CdsDriveNotReady:
                default:
                    return CdromStatus.NotReady;
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }
}
