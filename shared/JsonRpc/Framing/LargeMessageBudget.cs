namespace Jumpstart.Shared.JsonRpc.Framing;

/// <summary>
/// Bytes of large message bodies (over <see cref="JsonRpcOptions.MaxMessageBytes"/>) that one listener's connections
/// may buffer at once. A connection reserves a body's Content-Length when the header arrives, before the body, and
/// gives it back when the frame has been read or the connection closes; a body that does not fit is refused at its
/// header. Small bodies never wait for it, so a flood of large ones cannot keep small ones out.
/// </summary>
public sealed class LargeMessageBudget
{
    private long _inUse;
    private long _released;

    public LargeMessageBudget(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        CapacityBytes = capacityBytes;
    }

    /// <summary>The most bytes of large bodies buffered at once.</summary>
    public long CapacityBytes { get; }

    /// <summary>Bytes reserved now.</summary>
    public long InUseBytes => Interlocked.Read(ref _inUse);

    /// <summary>Bytes given back since the budget was made (the large bodies read or dropped so far).</summary>
    public long ReleasedBytes => Interlocked.Read(ref _released);

    /// <summary>Reserves <paramref name="bytes"/>; false (nothing reserved) when they do not fit.</summary>
    public bool TryReserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (Interlocked.Add(ref _inUse, bytes) <= CapacityBytes)
        {
            return true;
        }

        Interlocked.Add(ref _inUse, -bytes);
        return false;
    }

    /// <summary>Gives back a reservation.</summary>
    public void Release(long bytes)
    {
        Interlocked.Add(ref _inUse, -bytes);
        Interlocked.Add(ref _released, bytes);
    }
}
