using System.Text.Json;

namespace Jumpstart.Hostd.Cli;

/// <summary>Writes a command's result either for people or, with <c>--json</c>, for scripts.</summary>
public static class CliOutput
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task WriteAsync<T>(TextWriter output, bool json, T value, Func<T, string> human)
        => await output.WriteLineAsync(json ? ToJson(value) : human(value));

    /// <summary>The JSON <c>--json</c> prints (web casing, indented).</summary>
    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, s_json);
}
