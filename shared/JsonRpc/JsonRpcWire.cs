using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.HostApi;
using StreamJsonRpc;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>How parameters and results look on the wire: System.Text.Json, camelCase (web defaults), the wire
/// contracts' source-generated metadata first, reflection for anything else (tests' and benches' own types).</summary>
/// <remarks>
/// <para>
/// One serializer options instance serves every connection, and that is measured, not style. StreamJsonRpc's
/// <see cref="SystemTextJsonFormatter"/> copies the options it is given and adds nine converters bound to the formatter
/// (progress, async enumerables, marshalable objects, pipes, streams, exceptions), so each connection's options are
/// new to System.Text.Json and every type's metadata is built again on the connection's first call; the converter
/// factories probe each type by reflection as they do. That cost about 1.5 ms of CPU per connection and held the CMS
/// at 730 registrations/s for 1,000 guests each on its own connection (tests/bench/RESULTS.md). We use none of those
/// exotic types (a guest or the CLI sends plain contracts), so <see cref="CreateFormatter"/> gives each formatter the
/// shared <see cref="SerializerOptions"/>, whose metadata is built once per process.
/// </para>
/// <para>
/// StreamJsonRpc has no public way to do that (its setter always copies), so the formatter's private options field is
/// set by reflection. <see cref="SharesOptionsAcrossConnections"/> says whether that worked; a StreamJsonRpc upgrade
/// that renames the field falls back to the per-connection copy (correct, slower) and fails JsonRpcWireTests.
/// </para>
/// </remarks>
public static class JsonRpcWire
{
    /// <summary>The formatter's user-data options field in StreamJsonRpc 2.26 (SystemTextJsonFormatter.cs).</summary>
    private static readonly FieldInfo? s_userDataOptions =
        typeof(SystemTextJsonFormatter).GetField("massagedUserDataSerializerOptions", BindingFlags.Instance | BindingFlags.NonPublic) is { } field
        && field.FieldType == typeof(JsonSerializerOptions)
            ? field
            : null;

    /// <summary>
    /// The serializer options every connection uses for user data: web defaults, our contracts' generated metadata,
    /// and the request id converter that <c>$/cancelRequest</c> needs. Read-only, shared by all connections.
    /// </summary>
    public static JsonSerializerOptions SerializerOptions { get; } = CreateOptions();

    /// <summary>True when formatters share <see cref="SerializerOptions"/> (false only if StreamJsonRpc changed).</summary>
    public static bool SharesOptionsAcrossConnections => s_userDataOptions is not null;

    /// <summary>A new formatter (formatters keep per-connection state, so each connection gets its own).</summary>
    public static SystemTextJsonFormatter CreateFormatter()
    {
        if (s_userDataOptions is null)
        {
            return new SystemTextJsonFormatter { JsonSerializerOptions = SerializerOptions };
        }

        var formatter = new SystemTextJsonFormatter();
        s_userDataOptions.SetValue(formatter, SerializerOptions);
        return formatter;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(HostApiJsonContext.Default, CmsJsonContext.Default, ClusterJsonContext.Default, new DefaultJsonTypeInfoResolver()),
        };
        options.Converters.Add(new RequestIdConverter());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>
    /// A JSON-RPC request id (JSON-RPC 2.0 §4: a string, a number or null) as the formatter's own converter writes it;
    /// StreamJsonRpc's is internal. The cancellation notice <c>$/cancelRequest</c> carries one in its params.
    /// </summary>
    private sealed class RequestIdConverter : JsonConverter<RequestId>
    {
        public override bool HandleNull => true;

        public override RequestId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.Number => new RequestId(reader.GetInt64()),
            JsonTokenType.String => new RequestId(reader.GetString()),
            JsonTokenType.Null => RequestId.Null,
            _ => throw new JsonException($"A request id is a number, a string or null, not {reader.TokenType}."),
        };

        public override void Write(Utf8JsonWriter writer, RequestId value, JsonSerializerOptions options)
        {
            if (value.Number is { } number)
            {
                writer.WriteNumberValue(number);
            }
            else if (value.String is { } text)
            {
                writer.WriteStringValue(text);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
