namespace Jumpstart.Tests.Support;

/// <summary>A parsed <c>JUMPSTART-GUESTD: event key=value ...</c> line from a guest's serial console.</summary>
public sealed record ConsoleMarker(string Event, IReadOnlyDictionary<string, string> Fields)
{
    public const string Prefix = "JUMPSTART-GUESTD:";

    public string this[string key] => Fields.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"marker {Event} has no '{key}': {string.Join(' ', Fields)}");

    /// <summary>The marker in <paramref name="line"/> (anywhere in it: the console may prefix other output), or null.</summary>
    public static ConsoleMarker? TryParse(string line)
    {
        var start = line.IndexOf(Prefix, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var words = line[(start + Prefix.Length)..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in words.Skip(1))
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                fields[word[..equals]] = word[(equals + 1)..];
            }
        }

        return new ConsoleMarker(words[0], fields);
    }

    /// <summary>The last <paramref name="marker"/> line on <paramref name="console"/>; fails the test when there is none.</summary>
    public static ConsoleMarker Last(string console, string marker)
        => console.Split('\n').Select(TryParse).LastOrDefault(m => m?.Event == marker)
            ?? throw new Xunit.Sdk.XunitException($"no '{marker}' marker on the console:\n{console}");
}
