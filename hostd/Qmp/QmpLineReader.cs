namespace Jumpstart.Hostd.Qmp;

/// <summary>
/// Splits a byte stream into newline-terminated messages without ever holding more than
/// <see cref="QmpLimits.MaxLineBytes"/>: a longer line is a protocol error, not an allocation.
/// </summary>
internal sealed class QmpLineReader(Stream stream, int maxLineBytes = QmpLimits.MaxLineBytes)
{
    private const int ReadChunk = 64 * 1024;
    private byte[] _buffer = new byte[ReadChunk];
    private int _start;
    private int _end;

    /// <summary>The next line without its terminator, or null at end of stream.</summary>
    /// <exception cref="QmpProtocolException">A line exceeds the limit, or the stream ends mid-line.</exception>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken)
    {
        // Bytes after _start already searched; relative, because MakeRoom moves the data.
        var examined = 0;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start + examined, _end - _start - examined);
            if (newline >= 0)
            {
                var line = _buffer.AsMemory(_start, newline - _start);
                _start = newline + 1;
                return line.Length > 0 && line.Span[^1] == (byte)'\r' ? line[..^1] : line;
            }

            examined = _end - _start;
            if (examined >= maxLineBytes)
            {
                throw new QmpProtocolException($"a QMP message is longer than {maxLineBytes} bytes");
            }

            MakeRoom();
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                return _end == _start ? null : throw new QmpProtocolException("the QMP stream ended in the middle of a message");
            }

            _end += read;
        }
    }

    private void MakeRoom()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxLineBytes + ReadChunk));
        }
    }
}
