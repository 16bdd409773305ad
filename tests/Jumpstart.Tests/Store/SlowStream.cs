namespace Jumpstart.Tests.Store;

/// <summary>A read-only stream of deterministic pseudo-random bytes, optionally slowed down (to kill a server mid-put).</summary>
internal sealed class SlowStream(long length, int seed, TimeSpan delayPerRead) : Stream
{
    private readonly Random _random = new(seed);
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (delayPerRead > TimeSpan.Zero)
        {
            await Task.Delay(delayPerRead, cancellationToken);
        }

        return Read(buffer.Span);
    }

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Min(Math.Min(buffer.Length, length - _position), 1 << 20);
        _random.NextBytes(buffer[..count]);
        _position += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
