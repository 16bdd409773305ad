namespace Jumpstart.Hostd.Traffic.Storage;

/// <summary>Orders of <see cref="FlowQuery"/>.</summary>
public enum FlowOrder
{
    /// <summary>Oldest stored first.</summary>
    Id,

    /// <summary>Most bytes (both directions) first.</summary>
    Bytes,

    /// <summary>Most packets first.</summary>
    Packets,
}
