namespace Jumpstart.Shared.IO;

/// <summary>
/// A read-only, forward-only view of an opened file that fails with <see cref="InputFileException"/> as soon as
/// more than its limit arrives: at most one byte past the limit is ever asked for, and that byte, if it comes, is
/// the proof the file is too large. The check is on bytes read, never on a size the file reports (a character
/// device or a /proc file reports 0).
/// </summary>
internal sealed class BoundedReadStream(FileStream inner, string path, long maxBytes, long declaredLength) : Stream
{
    private long _read;

    /// <summary>The size the file had when it was opened (0 for a device): where a reader may start its buffer.</summary>
    public long DeclaredLength => declaredLength;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer[..Window(buffer.Length)]));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => Count(await inner.ReadAsync(buffer[..Window(buffer.Length)], cancellationToken).ConfigureAwait(false));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int Window(int requested) => (int)Math.Min(requested, maxBytes - _read + 1);

    private int Count(int read)
    {
        _read += read;
        return _read > maxBytes ? throw InputFileException.TooLarge(path, maxBytes) : read;
    }
}
