using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Shared.Nbd.Server;
using Microsoft.Win32.SafeHandles;

namespace Jumpstart.Hostd.Images;

/// <summary>
/// Serves another export unchanged while recording which extents clients read, in first-access order: put it in
/// front of the real image while the template boots and the log is the boot working set that clones' pseudo images
/// replay (<see cref="PseudoImage.ReplayAsync"/>). Does not own <paramref name="inner"/> or <paramref name="recorder"/>.
/// </summary>
public sealed class AccessRecordingExport(INbdExport inner, AccessLogRecorder recorder) : INbdExport
{
    /// <inheritdoc/>
    public long Size => inner.Size;

    /// <inheritdoc/>
    public bool ReadOnly => inner.ReadOnly;

    /// <inheritdoc/>
    public string Description => inner.Description;

    /// <inheritdoc/>
    public int PreferredBlockSize => inner.PreferredBlockSize;

    /// <summary>The recorder reads go to.</summary>
    public AccessLogRecorder Recorder => recorder;

    /// <inheritdoc/>
    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        recorder.Record(offset, destination.Length);
        return inner.ReadAsync(offset, destination, cancellationToken);
    }

    /// <inheritdoc/>
    public bool TryRead(long offset, Span<byte> destination)
    {
        if (!inner.TryRead(offset, destination))
        {
            return false;
        }

        recorder.Record(offset, destination.Length);
        return true;
    }

    /// <inheritdoc/>
    public SafeFileHandle? FileFor(long offset, long length)
    {
        var file = inner.FileFor(offset, length);
        if (file is not null)
        {
            recorder.Record(offset, length);
        }

        return file;
    }

    /// <inheritdoc/>
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool forceUnitAccess, CancellationToken cancellationToken)
        => inner.WriteAsync(offset, data, forceUnitAccess, cancellationToken);

    /// <inheritdoc/>
    public ValueTask FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    /// <summary>A client's <c>NBD_CMD_CACHE</c> announces reads to come: recorded too.</summary>
    public ValueTask CacheAsync(long offset, long length, CancellationToken cancellationToken)
    {
        recorder.Record(offset, length);
        return inner.CacheAsync(offset, length, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<NbdExtent>> GetAllocationAsync(long offset, long length, CancellationToken cancellationToken)
        => inner.GetAllocationAsync(offset, length, cancellationToken);
}
