using System.Text;
using System.Threading.Channels;

namespace Jumpstart.Tests.Cms;

/// <summary>A TextWriter that keeps everything written and hands out complete lines as they arrive (for a CLI running in-process).</summary>
internal sealed class LineWriter : TextWriter
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _all = new();
    private readonly StringBuilder _line = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_lock)
        {
            _all.Append(value);
            if (value == '\n')
            {
                _lines.Writer.TryWrite(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }
    }

    /// <summary>The next complete line, waiting at most <paramref name="timeout"/>.</summary>
    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        return await _lines.Reader.ReadAsync(cancel.Token);
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return _all.ToString();
        }
    }
}
