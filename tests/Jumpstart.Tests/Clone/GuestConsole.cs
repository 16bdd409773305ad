using System.Text.RegularExpressions;

namespace Jumpstart.Tests.Clone;

/// <summary>Reads <c>key=value</c> facts the test guest prints on its serial console (its JUMPSTART- marker lines).</summary>
public static partial class GuestConsole
{
    /// <summary>The value of the last marker line that names <paramref name="key"/> (the clone's latest configuration), or null.</summary>
    public static string? LastValue(string console, string key) => Values(console, key).LastOrDefault();

    private static IEnumerable<string> Values(string console, string key)
        => console.Split('\n')
            .Where(line => line.Contains("JUMPSTART-", StringComparison.Ordinal))
            .SelectMany(line => KeyValue().Matches(line))
            .Where(m => m.Groups["key"].Value == key)
            .Select(m => m.Groups["value"].Value);

    [GeneratedRegex(@"(?<key>[a-z][a-z0-9-]*)=(?<value>\S+)")]
    private static partial Regex KeyValue();
}
