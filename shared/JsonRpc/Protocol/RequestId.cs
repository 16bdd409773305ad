using System.Text.Json;

namespace Jumpstart.Shared.JsonRpc.Protocol;

/// <summary>A request's <c>id</c>: an integer, a string, or null (JSON-RPC 2.0 §4).</summary>
/// <remarks>
/// §4: "An identifier ... MUST contain a String, Number, or NULL value if included"; numbers
/// "SHOULD NOT contain fractional parts", so we accept integers only and answer others with Invalid Request.
/// </remarks>
internal readonly record struct RequestId
{
    private RequestId(long number, string? text, bool isNull)
    {
        Number = number;
        Text = text;
        IsNull = isNull;
    }

    public static RequestId Null { get; } = new(0, null, isNull: true);

    public long Number { get; }

    public string? Text { get; }

    public bool IsNull { get; }

    public static RequestId FromNumber(long number) => new(number, null, isNull: false);

    /// <summary>Reads an id member; false when its JSON type is not allowed.</summary>
    public static bool TryRead(JsonElement element, out RequestId id)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number when element.TryGetInt64(out var number):
                id = FromNumber(number);
                return true;
            case JsonValueKind.String:
                id = new RequestId(0, element.GetString(), isNull: false);
                return true;
            case JsonValueKind.Null:
                id = Null;
                return true;
            default:
                id = Null;
                return false;
        }
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        if (IsNull)
        {
            writer.WriteNullValue();
        }
        else if (Text is not null)
        {
            writer.WriteStringValue(Text);
        }
        else
        {
            writer.WriteNumberValue(Number);
        }
    }

    public override string ToString() => IsNull ? "null" : Text is not null ? $"\"{Text}\"" : Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
