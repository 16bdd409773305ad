using System.Collections.Concurrent;
using Jumpstart.Shared.Nbd.Client;

namespace Jumpstart.Tests.Images;

/// <summary>Wraps a real block source (an NBD client to a real server) and records every read it forwards.</summary>
public sealed class CountingBlockSource(IBlockSource inner) : IBlockSource
{
    private readonly ConcurrentQueue<(long Offset, int Length)> _reads = new();

    public string Name => inner.Name;

    public long Size => inner.Size;

    /// <summary>Reads forwarded so far.</summary>
    public IReadOnlyList<(long Offset, int Length)> Reads => [.. _reads];

    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        _reads.Enqueue((offset, destination.Length));
        return inner.ReadAsync(offset, destination, cancellationToken);
    }

    /// <summary>Distinct extents the forwarded reads touched.</summary>
    public IReadOnlySet<long> ExtentsRead(int extentSize)
        => _reads.SelectMany(r => Enumerable.Range(0, (int)(((r.Offset + r.Length - 1) / extentSize) - (r.Offset / extentSize) + 1)).Select(i => (r.Offset / extentSize) + i)).ToHashSet();

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
