namespace Jumpstart.Shared.IO;

/// <summary>The kinds of file a reader accepts (<see cref="BoundedFile"/>); anything else is refused before it is read.</summary>
[Flags]
public enum FileKinds
{
    /// <summary>A plain file: the only kind most readers take.</summary>
    Regular = 1,

    /// <summary>A block device, for the readers of disc images and disks (e.g. <c>/dev/sr0</c>); they bound what they read themselves.</summary>
    BlockDevice = 2,
}
