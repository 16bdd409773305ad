using System.Buffers;
using System.Text.Json;

namespace Jumpstart.Shared.JsonRpc.Protocol;

/// <summary>
/// One received body, copied out of the pipe into a pooled array and parsed. The copy is needed
/// because <see cref="JsonDocument"/> keeps pointing at its input, and the pipe reuses its memory
/// as soon as the reader advances.
/// </summary>
internal sealed class ReceivedMessage : IDisposable
{
    private static readonly JsonDocumentOptions s_documentOptions = new() { MaxDepth = 64 };

    private byte[]? _rented;

    private ReceivedMessage(byte[] rented, JsonDocument document)
    {
        _rented = rented;
        Document = document;
    }

    public JsonDocument Document { get; }

    public JsonElement Root => Document.RootElement;

    /// <summary>Copies and parses <paramref name="body"/>.</summary>
    /// <exception cref="JsonException">The body is not valid JSON.</exception>
    public static ReceivedMessage Parse(in ReadOnlySequence<byte> body)
    {
        var length = (int)body.Length;
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            body.CopyTo(rented);
            var document = JsonDocument.Parse(rented.AsMemory(0, length), s_documentOptions);
            return new ReceivedMessage(rented, document);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(rented);
            throw;
        }
    }

    public void Dispose()
    {
        Document.Dispose();
        var rented = Interlocked.Exchange(ref _rented, null);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
