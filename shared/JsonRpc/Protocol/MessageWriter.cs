using System.Buffers;
using System.Collections;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Jumpstart.Shared.JsonRpc.Protocol;

/// <summary>Serializes the three message shapes of JSON-RPC 2.0 (§4 request, §5 response, §5.1 error).</summary>
internal static class MessageWriter
{
    // The wire is not HTML: keep quotes and non-ASCII text in messages readable instead of \u-escaped.
    private static readonly JsonWriterOptions s_writerOptions = new() { SkipValidation = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static PooledBufferWriter Request(RequestId? id, string method, object? arguments, JsonSerializerOptions options)
        => Envelope((id, method, arguments, options), static (writer, state) =>
        {
            if (state.id is { } value)
            {
                writer.WritePropertyName(ProtocolNames.Id);
                value.WriteTo(writer);
            }

            writer.WriteString(ProtocolNames.Method, state.method);
            WriteParams(writer, state.arguments, state.options);
        });

    public static PooledBufferWriter Result(RequestId id, object? result, Type resultType, JsonSerializerOptions options)
        => Envelope((id, result, resultType, options), static (writer, state) =>
        {
            writer.WritePropertyName(ProtocolNames.Id);
            state.id.WriteTo(writer);
            writer.WritePropertyName(ProtocolNames.Result);
            JsonSerializer.Serialize(writer, state.result, state.resultType, state.options);
        });

    public static PooledBufferWriter Error(RequestId id, int code, string message, object? data, JsonSerializerOptions options)
        => Envelope((id, code, message, data, options), static (writer, state) =>
        {
            writer.WritePropertyName(ProtocolNames.Id);
            state.id.WriteTo(writer);
            writer.WriteStartObject(ProtocolNames.Error);
            writer.WriteNumber(ProtocolNames.Code, state.code);
            writer.WriteString(ProtocolNames.Message, state.message);
            if (state.data is not null)
            {
                writer.WritePropertyName(ProtocolNames.Data);
                WriteErrorData(writer, state.data, state.options);
            }

            writer.WriteEndObject();
        });

    /// <summary>
    /// <c>{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":N}}</c>, written by hand so the
    /// member name does not depend on the caller's naming policy.
    /// </summary>
    public static PooledBufferWriter CancelRequest(long id)
        => Envelope(id, static (writer, id) =>
        {
            writer.WriteString(ProtocolNames.Method, ProtocolNames.CancelRequest);
            writer.WriteStartObject(ProtocolNames.Params);
            writer.WriteNumber(ProtocolNames.Id, id);
            writer.WriteEndObject();
        });

    /// <summary>Writes <c>{"jsonrpc":"2.0", ...members...}</c> into a pooled buffer; the buffer is released if a member fails to serialize.</summary>
    private static PooledBufferWriter Envelope<TState>(TState state, Action<Utf8JsonWriter, TState> writeMembers)
    {
        var buffer = new PooledBufferWriter();
        try
        {
            using var writer = new Utf8JsonWriter(buffer, s_writerOptions);
            writer.WriteStartObject();
            writer.WriteString(ProtocolNames.JsonRpc, ProtocolNames.Version);
            writeMembers(writer, state);
            writer.WriteEndObject();
            writer.Flush();
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    private static void WriteErrorData(Utf8JsonWriter writer, object data, JsonSerializerOptions options)
    {
        try
        {
            // Serialize into a side buffer first: a converter that throws half-way must not leave a broken error object.
            var bytes = JsonSerializer.SerializeToUtf8Bytes(data, data.GetType(), options);
            writer.WriteRawValue(bytes, skipInputValidation: true);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            // The error still reaches the caller; only its unserializable data is replaced.
            writer.WriteStringValue($"error data of type {data.GetType().Name} could not be serialized");
        }
    }

    /// <summary>Joins single responses into one batch response (§6): <c>[r1,r2,...]</c>.</summary>
    public static PooledBufferWriter Batch(IReadOnlyList<PooledBufferWriter> responses)
    {
        var buffer = new PooledBufferWriter();
        buffer.Write("["u8);
        for (var i = 0; i < responses.Count; i++)
        {
            if (i > 0)
            {
                buffer.Write(","u8);
            }

            buffer.Write(responses[i].WrittenSpan);
        }

        buffer.Write("]"u8);
        return buffer;
    }

    private static void WriteParams(Utf8JsonWriter writer, object? arguments, JsonSerializerOptions options)
    {
        switch (arguments)
        {
            case null:
                // §4: params "MAY be omitted".
                return;
            case object?[] positional:
                writer.WriteStartArray(ProtocolNames.Params);
                foreach (var argument in positional)
                {
                    JsonSerializer.Serialize(writer, argument, argument?.GetType() ?? typeof(object), options);
                }

                writer.WriteEndArray();
                return;
            case string or IEnumerable when arguments is not IDictionary:
                throw new ArgumentException("arguments must be null, an object?[] (positional) or an object whose properties are the named parameters", nameof(arguments));
            default:
                if (arguments.GetType().IsPrimitive)
                {
                    throw new ArgumentException("a single primitive is not a parameter object; wrap it in an object?[]", nameof(arguments));
                }

                writer.WritePropertyName(ProtocolNames.Params);
                JsonSerializer.Serialize(writer, arguments, arguments.GetType(), options);
                return;
        }
    }
}
