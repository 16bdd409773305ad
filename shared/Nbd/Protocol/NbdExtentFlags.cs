namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>Status flags of the <c>base:allocation</c> metadata context.</summary>
/// <remarks>proto.md "base:allocation metadata context".</remarks>
[Flags]
public enum NbdExtentFlags : uint
{
    /// <summary>Allocated data.</summary>
    Data = 0,

    /// <summary>Not allocated (reads as zero or as whatever the backing provides).</summary>
    Hole = 1 << 0,

    /// <summary>Reads as zero.</summary>
    Zero = 1 << 1,
}
