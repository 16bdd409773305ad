using System.Text;
using System.Text.Json;

namespace Jumpstart.Shared.Metadata;

/// <summary>
/// The user-data file of NoCloud and ConfigDrive: a <c>#!</c> script is the clone's <c>self</c>
/// script; JSON is passed through; anything else (e.g. #cloud-config) becomes a JSON string.
/// </summary>
internal static class UserDataFile
{
    public static (string? SelfScript, JsonElement? UserData) Interpret(byte[]? content)
    {
        if (content is null || content.Length == 0)
        {
            return (null, null);
        }

        var text = Encoding.UTF8.GetString(content);
        if (text.StartsWith("#!", StringComparison.Ordinal))
        {
            return (text, null);
        }

        try
        {
            MetadataJson.RejectLoneSurrogates(content, lenient: false);
            using var document = JsonDocument.Parse(content, MetadataJson.DocumentOptions());
            return (null, document.RootElement.Clone());
        }
        catch (JsonException)
        {
            return (null, JsonSerializer.SerializeToElement(text));
        }
    }
}
