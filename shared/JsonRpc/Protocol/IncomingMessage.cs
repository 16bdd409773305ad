using System.Text.Json;

namespace Jumpstart.Shared.JsonRpc.Protocol;

/// <summary>What one received JSON value is, after the checks of JSON-RPC 2.0 §4 and §5.</summary>
internal enum IncomingKind
{
    Request,
    Notification,
    Response,
    Invalid,
}

/// <summary>
/// A received message, classified without copying: its members point into the parsed document,
/// which must outlive this value.
/// </summary>
internal readonly struct IncomingMessage
{
    private IncomingMessage(IncomingKind kind, RequestId id, string? method, JsonElement parameters, JsonElement result, JsonElement error, string? problem)
    {
        Kind = kind;
        Id = id;
        Method = method;
        Params = parameters;
        Result = result;
        Error = error;
        Problem = problem;
    }

    public IncomingKind Kind { get; }

    /// <summary>The id; <see cref="RequestId.Null"/> for notifications and when it could not be read.</summary>
    public RequestId Id { get; }

    public string? Method { get; }

    /// <summary>The params member, or <see cref="JsonValueKind.Undefined"/> when omitted.</summary>
    public JsonElement Params { get; }

    public JsonElement Result { get; }

    /// <summary>The error member of an error response, else undefined.</summary>
    public JsonElement Error { get; }

    /// <summary>Why an <see cref="IncomingKind.Invalid"/> message is invalid.</summary>
    public string? Problem { get; }

    public static IncomingMessage Classify(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return Invalid(RequestId.Null, "a message must be a JSON object");
        }

        JsonElement version = default, id = default, method = default, parameters = default, result = default, error = default;
        foreach (var member in element.EnumerateObject())
        {
            switch (member.Name)
            {
                case ProtocolNames.JsonRpc: version = member.Value; break;
                case ProtocolNames.Id: id = member.Value; break;
                case ProtocolNames.Method: method = member.Value; break;
                case ProtocolNames.Params: parameters = member.Value; break;
                case ProtocolNames.Result: result = member.Value; break;
                case ProtocolNames.Error: error = member.Value; break;
                default: break;
            }
        }

        var hasId = id.ValueKind != JsonValueKind.Undefined;
        var requestId = RequestId.Null;
        if (hasId && !RequestId.TryRead(id, out requestId))
        {
            return Invalid(RequestId.Null, "id must be a string, an integer or null");
        }

        if (method.ValueKind != JsonValueKind.Undefined)
        {
            return ClassifyRequest(hasId, requestId, version, method, parameters);
        }

        if (hasId && (result.ValueKind != JsonValueKind.Undefined || error.ValueKind == JsonValueKind.Object))
        {
            return new IncomingMessage(IncomingKind.Response, requestId, null, default, result, error, null);
        }

        return Invalid(requestId, "a message needs a method (request) or a result or error (response)");
    }

    private static IncomingMessage ClassifyRequest(bool hasId, RequestId id, JsonElement version, JsonElement method, JsonElement parameters)
    {
        // §4: jsonrpc "MUST be exactly '2.0'".
        if (version.ValueKind != JsonValueKind.String || !version.ValueEquals(ProtocolNames.Version))
        {
            return Invalid(id, "jsonrpc must be \"2.0\"");
        }

        if (method.ValueKind != JsonValueKind.String)
        {
            return Invalid(id, "method must be a string");
        }

        // §4.2: params "MUST be provided as a Structured value": an array or an object.
        if (parameters.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object or JsonValueKind.Array))
        {
            return Invalid(id, "params must be an array or an object");
        }

        return new IncomingMessage(hasId ? IncomingKind.Request : IncomingKind.Notification, id, method.GetString(), parameters, default, default, null);
    }

    private static IncomingMessage Invalid(RequestId id, string problem)
        => new(IncomingKind.Invalid, id, null, default, default, default, problem);
}
