using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jumpstart.Hostd.Qmp;

/// <summary>JSON settings for QMP: kebab-case member names as the QAPI schema spells them, nulls left out.</summary>
internal static class QmpJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
