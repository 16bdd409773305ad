using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Tests.Metadata;

/// <summary>
/// Seeded mutations of a valid JSON or YAML document: text-level (truncation, flipped and inserted structure
/// characters, deleted ranges, repeated lines, hostile snippets) and tree-level (a node replaced by a value of the
/// wrong shape, wrapped in a list or a mapping, or a key repeated in its mapping), so the mutants reach past the
/// syntax into every reader's handling of shapes.
/// </summary>
internal sealed class DocumentMutator(string original, bool yaml, Random random)
{
    private const string Alphabet = "[]{}:,-\"'&*!|>#?%@`~\n\t 0123456789abcxyzAZ.\\/";

    private static readonly string[] s_snippets =
    [
        "[", "]", "{", "}", ": ", "- ", ", ", "\n- ", "\n  ", "&a ", "*a", "*b ", "&b [*b]", "!!str ", "!!binary ", "? ", "|\n  ",
        ">-\n ", "~", "null", "true", "-1", "99999999999999999999", "1e400", "\"\\u0000\"", "'x'", "[1, 2]", "{a: 1}", "{\"a\": [null]}",
        "<<: *a\n", "---\n", "...\n", "%YAML 1.2\n", "\"\\ud800\"", "\u00e9", "\ufeff",
    ];

    // Mutants may nest past the readers' limits on purpose; the writer's own default (64) would refuse them.
    private static readonly JsonSerializerOptions s_compact = new() { MaxDepth = 256 };
    private static readonly JsonSerializerOptions s_indented = new() { MaxDepth = 256, WriteIndented = true };

    private JsonNode? _tree;
    private bool _parsed;

    /// <summary>One mutant of the original document.</summary>
    public string Next() => random.Next(10) switch
    {
        0 => original[..random.Next(original.Length)],
        1 => ReplaceCharacters(),
        2 => DeleteRange(),
        3 => RepeatLine(),
        4 => Insert(s_snippets[random.Next(s_snippets.Length)]),
        _ => MutateTree() ?? ReplaceCharacters(),
    };

    private string ReplaceCharacters()
    {
        var text = new StringBuilder(original);
        for (var i = 1 + random.Next(8); i > 0 && text.Length > 0; i--)
        {
            text[random.Next(text.Length)] = Alphabet[random.Next(Alphabet.Length)];
        }

        return text.ToString();
    }

    private string DeleteRange()
    {
        var start = random.Next(original.Length);
        return original.Remove(start, Math.Min(original.Length - start, 1 + random.Next(32)));
    }

    private string RepeatLine()
    {
        var lines = original.Split('\n').ToList();
        var index = random.Next(lines.Count);
        lines.Insert(index + random.Next(2), lines[index]);
        return string.Join('\n', lines);
    }

    private string Insert(string snippet) => original.Insert(random.Next(original.Length + 1), snippet);

    /// <summary>Parses the original once, changes one node, and writes JSON (which is also YAML 1.2); null when the original has no tree.</summary>
    private string? MutateTree()
    {
        if (!_parsed)
        {
            _parsed = true;
            _tree = yaml ? YamlJson.Parse(original, "seed") : JsonNode.Parse(original);
        }

        if (_tree is null)
        {
            return null;
        }

        var tree = _tree.DeepClone();
        var nodes = new List<JsonNode>();
        Collect(tree, nodes);
        var target = nodes[random.Next(nodes.Count)];
        if (random.Next(4) == 0 && target is JsonObject { Count: >= 2 } mapping)
        {
            return WithRepeatedKey(tree, mapping);
        }

        var replacement = random.Next(3) switch
        {
            0 => new JsonArray(target.DeepClone()),
            1 => new JsonObject { ["x"] = target.DeepClone() },
            _ => HostileValue(),
        };
        if (target.Parent is null)
        {
            return replacement?.ToJsonString(s_compact) ?? "null";
        }

        target.ReplaceWith(replacement);
        return tree.ToJsonString(random.Next(2) == 0 ? s_indented : s_compact);
    }

    private JsonNode? HostileValue() => random.Next(16) switch
    {
        0 => null,
        1 => JsonValue.Create(true),
        2 => JsonValue.Create(0),
        3 => JsonValue.Create(-1),
        4 => JsonValue.Create(2_147_483_648L),
        5 => JsonNode.Parse("1e400"),
        6 => JsonValue.Create(string.Empty),
        7 => JsonValue.Create(new string('a', 5000)),
        8 => JsonValue.Create("-rf ../../etc/passwd\n"),
        9 => JsonValue.Create("\u0000\u001b[2J"),
        10 => new JsonArray(),
        11 => new JsonObject(),
        12 => new JsonArray(1, 2, 3),
        13 => new JsonArray((JsonNode?)null),
        14 => Nested(MetadataLimits.MaxYamlDepth + random.Next(-2, 3)),
        _ => new JsonObject { ["a"] = new JsonObject { ["b"] = new JsonArray((JsonNode?)null) } },
    };

    private static JsonNode Nested(int depth)
    {
        JsonNode node = JsonValue.Create(1);
        for (var i = 0; i < depth; i++)
        {
            node = new JsonArray(node);
        }

        return node;
    }

    /// <summary>The tree as JSON text with one key of <paramref name="mapping"/> renamed to a sibling's (System.Text.Json cannot hold a repeated key).</summary>
    private string WithRepeatedKey(JsonNode tree, JsonObject mapping)
    {
        var keys = mapping.Select(p => p.Key).ToList();
        var renamed = keys[random.Next(keys.Count)];
        var copied = keys.First(k => k != renamed);
        const string Marker = "\u0001jumpstart-repeated-key\u0001";
        var value = mapping[renamed];
        mapping.Remove(renamed);
        mapping[Marker] = value;
        return tree.ToJsonString(s_compact).Replace(JsonSerializer.Serialize(Marker), JsonSerializer.Serialize(copied), StringComparison.Ordinal);
    }

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
        }
    }
}
