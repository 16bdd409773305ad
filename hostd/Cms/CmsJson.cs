using System.Text.Json;

namespace Jumpstart.Hostd.Cms;

/// <summary>The serializer settings the CMS uses for what it stores and for external policies (camelCase, as on the wire).</summary>
internal static class CmsJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
