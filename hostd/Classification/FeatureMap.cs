namespace Jumpstart.Hostd.Classification;

/// <summary>
/// Maps a producer's feature vector (e.g. the flow table's, in its own order) onto a model's
/// feature order by name, so a live flow can be classified even if the producer adds or reorders
/// features. Built once per model; <see cref="Fill"/> allocates nothing.
/// </summary>
public sealed class FeatureMap
{
    private readonly int[] _sourceIndex;

    private FeatureMap(int[] sourceIndex) => _sourceIndex = sourceIndex;

    /// <summary>True when the source order already is the model's (no copy needed).</summary>
    public bool IsIdentity { get; private init; }

    /// <summary>Throws <see cref="ClassificationDataException"/> naming the model features the source lacks.</summary>
    public static FeatureMap Create(IReadOnlyList<string> modelFeatures, IReadOnlyList<string> sourceFeatures)
    {
        ArgumentNullException.ThrowIfNull(modelFeatures);
        ArgumentNullException.ThrowIfNull(sourceFeatures);
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < sourceFeatures.Count; i++)
        {
            positions.TryAdd(sourceFeatures[i], i);
        }

        var missing = modelFeatures.Where(f => !positions.ContainsKey(f)).ToArray();
        if (missing.Length > 0)
        {
            ClassificationDataException.Throw($"the flows lack the model's feature(s) {string.Join(", ", missing)}");
        }

        var index = modelFeatures.Select(f => positions[f]).ToArray();
        return new FeatureMap(index) { IsIdentity = index.Length == sourceFeatures.Count && index.Select((s, i) => s == i).All(x => x) };
    }

    /// <summary>Copies <paramref name="source"/>'s values into <paramref name="modelOrder"/> (length = the model's feature count).</summary>
    public void Fill(ReadOnlySpan<double> source, Span<double> modelOrder)
    {
        for (var i = 0; i < _sourceIndex.Length; i++)
        {
            modelOrder[i] = source[_sourceIndex[i]];
        }
    }
}
