using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Jumpstart.Shared.Metadata;

/// <summary>
/// Turns a YAML document (cloud-init meta-data, network-config, descriptions, deployment specs) into a JSON node so
/// every format is read by the same code. Plain scalars become booleans, nulls or integers when they look like one
/// (YAML 1.2 core schema); everything else stays a string.
/// </summary>
/// <remarks>
/// The document is read as YamlDotNet's event stream (<see cref="Parser"/>), not as its representation model: the
/// model is built recursively, so a small document nested tens of thousands deep overflowed the stack before any
/// limit could be checked. Here nesting lives on a heap stack, and depth and node count are checked as each event
/// arrives, so parsing stops at the first level or node past the limit. An alias costs every node it copies
/// (alias bombs). Only the first document of a stream is read. YAML 1.2 §3.2.1.1: mapping keys are unique, so a
/// repeated key is an error rather than a silent overwrite.
/// </remarks>
public static partial class YamlJson
{
    private const string StringTag = "tag:yaml.org,2002:str";

    /// <summary>Parses the first document of <paramref name="text"/>; null when there is none.</summary>
    /// <param name="text">The YAML text.</param>
    /// <param name="what">What the text is, for messages ("meta-data", "description 'x.yaml'").</param>
    /// <param name="maxNodes">Most values built, aliases counted as the nodes they copy.</param>
    /// <param name="maxDepth">Deepest nesting (the root is level 0).</param>
    /// <param name="typedScalars">False: plain scalars other than null stay strings (a deployment spec's "rank: 1" reads as it always did).</param>
    /// <exception cref="MetadataException">Not YAML, a key that is not a string or appears twice, too deep, or too many nodes.</exception>
    public static JsonNode? Parse(string text, string what, int maxNodes = MetadataLimits.MaxYamlNodes, int maxDepth = MetadataLimits.MaxYamlDepth, bool typedScalars = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new Builder(what, maxNodes, maxDepth, typedScalars);
        var parser = new Parser(new StringReader(text));
        while (Next(parser, what))
        {
            if (builder.Accept(parser.Current!))
            {
                return builder.Root;
            }
        }

        return null;
    }

    private static bool Next(Parser parser, string what)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (YamlException ex)
        {
            throw new MetadataException($"{what} is not valid YAML: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or OperationCanceledException))
        {
            // YamlDotNet's scanner fails on some malformed text with other exceptions: InvalidOperationException from
            // ScanPlainScalar (found by MetadataMutationFuzzTests), a bare System.Exception (aaubry/YamlDotNet#541).
            // Either way the text is not YAML we can read, which is the document's fault, not a bug of ours.
            throw new MetadataException($"{what} is not valid YAML (the YAML reader stopped with {ex.GetType().Name}: {ex.Message})", ex);
        }
    }

    private static JsonNode? ScalarValue(Scalar scalar, bool typed)
    {
        var value = scalar.Value;
        if (scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && scalar.Tag.Value == StringTag))
        {
            return JsonValue.Create(value);
        }

        if (value is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (!typed)
        {
            return JsonValue.Create(value);
        }

        if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(value[0] is 't' or 'T');
        }

        return Integer().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : JsonValue.Create(value);
    }

    [GeneratedRegex("^-?(0|[1-9][0-9]{0,17})$")]
    private static partial Regex Integer();

    /// <summary>A value built so far: its node, how many nodes it holds and how deep it reaches below itself.</summary>
    private readonly record struct Built(JsonNode? Node, int Nodes, int Height);

    /// <summary>An open mapping or sequence.</summary>
    private sealed class Frame(JsonNode container, AnchorName anchor)
    {
        public JsonNode Container { get; } = container;

        public AnchorName Anchor { get; } = anchor;

        /// <summary>The key whose value comes next; null while a mapping waits for a key.</summary>
        public string? PendingKey { get; set; }

        public int Nodes { get; set; } = 1;

        public int Height { get; set; }
    }

    /// <summary>Consumes parsing events and builds the JSON tree with the limits checked at every event.</summary>
    private sealed class Builder(string what, int maxNodes, int maxDepth, bool typedScalars)
    {
        private readonly Stack<Frame> _open = new();
        private readonly Dictionary<string, Built> _anchors = new(StringComparer.Ordinal);
        private int _spent;

        public JsonNode? Root { get; private set; }

        /// <summary>Takes one event; true once the first document's root is complete.</summary>
        public bool Accept(ParsingEvent parsingEvent)
        {
            switch (parsingEvent)
            {
                case MappingStart start:
                    Open(new JsonObject(), start.Anchor);
                    return false;
                case SequenceStart start:
                    Open(new JsonArray(), start.Anchor);
                    return false;
                case MappingEnd or SequenceEnd:
                    var frame = _open.Pop();
                    var built = new Built(frame.Container, frame.Nodes, frame.Height);
                    Remember(frame.Anchor, built);
                    return Add(built);
                case Scalar scalar when ExpectsKey:
                    Key(scalar);
                    return false;
                case Scalar scalar:
                    Spend(1, 0);
                    var value = new Built(ScalarValue(scalar, typedScalars), 1, 0);
                    Remember(scalar.Anchor, value);
                    return Add(value);
                case AnchorAlias alias:
                    return Add(Expand(alias));
                case DocumentEnd:
                    // An empty document (only "---"): nothing to return, and later documents are not read.
                    return true;
                default:
                    return false;
            }
        }

        private bool ExpectsKey => _open.TryPeek(out var top) && top.Container is JsonObject && top.PendingKey is null;

        private void Open(JsonNode container, AnchorName anchor)
        {
            if (ExpectsKey)
            {
                throw new MetadataException($"{what} has a mapping key that is not a plain string");
            }

            Spend(1, 0);
            _open.Push(new Frame(container, anchor));
        }

        private void Key(Scalar scalar)
        {
            var top = _open.Peek();
            var key = scalar.Value;
            if (((JsonObject)top.Container).ContainsKey(key))
            {
                throw new MetadataException($"{what} has the key '{Shown(key)}' twice in one mapping");
            }

            top.PendingKey = key;
            Remember(scalar.Anchor, new Built(JsonValue.Create(key), 1, 0));
        }

        private Built Expand(AnchorAlias alias)
        {
            if (ExpectsKey)
            {
                throw new MetadataException($"{what} has a mapping key that is not a plain string");
            }

            if (!_anchors.TryGetValue(alias.Value.Value, out var anchored))
            {
                throw new MetadataException($"{what} refers to the anchor '{Shown(alias.Value.Value)}' before it is complete");
            }

            Spend(anchored.Nodes, anchored.Height);
            return anchored with { Node = anchored.Node?.DeepClone() };
        }

        /// <summary>Charges <paramref name="nodes"/> placed at the current depth and reaching <paramref name="height"/> below it.</summary>
        private void Spend(int nodes, int height)
        {
            _spent += nodes;
            if (_open.Count + height > maxDepth)
            {
                throw new MetadataException($"{what} is nested more than {maxDepth} levels deep");
            }

            if (_spent > maxNodes)
            {
                throw new MetadataException($"{what} holds more than {maxNodes} values (aliases count every value they repeat)");
            }
        }

        private void Remember(AnchorName anchor, Built built)
        {
            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = built;
            }
        }

        private bool Add(Built built)
        {
            if (!_open.TryPeek(out var parent))
            {
                Root = built.Node;
                return true;
            }

            if (parent.Container is JsonArray array)
            {
                array.Add(built.Node);
            }
            else
            {
                ((JsonObject)parent.Container)[parent.PendingKey!] = built.Node;
                parent.PendingKey = null;
            }

            parent.Nodes += built.Nodes;
            parent.Height = Math.Max(parent.Height, built.Height + 1);
            return false;
        }

        private static string Shown(string key) => key.Length <= 64 ? key : key[..64] + "...";
    }
}
