using System.Collections.Concurrent;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>
/// Buffers of one length for the life of one put or get. Stripe buffers are several MiB: the shared pool
/// does not keep that many that large, so without this every stripe would allocate (and zero) fresh ones.
/// The number alive is bounded by the stripes in flight; all are released with the operation.
/// </summary>
internal sealed class BufferPool(int length)
{
    private readonly ConcurrentBag<byte[]> _free = [];

    public int Length => length;

    public byte[] Rent() => _free.TryTake(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(length);

    public void Return(byte[] buffer)
    {
        if (buffer.Length == length)
        {
            _free.Add(buffer);
        }
    }
}
