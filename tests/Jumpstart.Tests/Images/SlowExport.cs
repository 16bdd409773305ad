using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Shared.Nbd.Server;

namespace Jumpstart.Tests.Images;

/// <summary>
/// A real export behind a server of limited capacity: one read at a time, each taking at least
/// <paramref name="serviceTime"/>, so latency grows with the number of busy readers (queueing), as at an
/// overloaded real image server.
/// </summary>
internal sealed class SlowExport(INbdExport inner, TimeSpan serviceTime) : INbdExport, IDisposable
{
    private readonly SemaphoreSlim _disk = new(1, 1);

    public long Size => inner.Size;

    public bool ReadOnly => inner.ReadOnly;

    public string Description => inner.Description;

    public int PreferredBlockSize => inner.PreferredBlockSize;

    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        await _disk.WaitAsync(cancellationToken);
        try
        {
            await Task.Delay(serviceTime, cancellationToken);
            await inner.ReadAsync(offset, destination, cancellationToken);
        }
        finally
        {
            _disk.Release();
        }
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool forceUnitAccess, CancellationToken cancellationToken)
        => inner.WriteAsync(offset, data, forceUnitAccess, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public ValueTask CacheAsync(long offset, long length, CancellationToken cancellationToken) => inner.CacheAsync(offset, length, cancellationToken);

    public ValueTask<IReadOnlyList<NbdExtent>> GetAllocationAsync(long offset, long length, CancellationToken cancellationToken)
        => inner.GetAllocationAsync(offset, length, cancellationToken);

    public void Dispose() => _disk.Dispose();
}
