using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Shared.Nbd.Server;
using Microsoft.Win32.SafeHandles;

namespace Jumpstart.Tests.Nbd;

/// <summary>An export that passes every call to <paramref name="inner"/>; tests override the calls they change.</summary>
internal abstract class ForwardingExport(INbdExport inner) : INbdExport
{
    public long Size => inner.Size;

    public bool ReadOnly => inner.ReadOnly;

    public string Description => inner.Description;

    public int PreferredBlockSize => inner.PreferredBlockSize;

    public virtual bool TryRead(long offset, Span<byte> destination) => inner.TryRead(offset, destination);

    public virtual SafeFileHandle? FileFor(long offset, long length) => inner.FileFor(offset, length);

    public virtual ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        => inner.ReadAsync(offset, destination, cancellationToken);

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool forceUnitAccess, CancellationToken cancellationToken)
        => inner.WriteAsync(offset, data, forceUnitAccess, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public ValueTask CacheAsync(long offset, long length, CancellationToken cancellationToken) => inner.CacheAsync(offset, length, cancellationToken);

    public ValueTask<IReadOnlyList<NbdExtent>> GetAllocationAsync(long offset, long length, CancellationToken cancellationToken)
        => inner.GetAllocationAsync(offset, length, cancellationToken);
}
