namespace Jumpstart.Hostd.Classification;

/// <summary>
/// A trained tree flattened into arrays for prediction: node <c>i</c> tests
/// <c>x[Feature] &lt;= Threshold</c> and continues at <c>Child</c> (true) or <c>Child + 1</c>
/// (false); a leaf has Feature -1 and Child = its leaf index. Immutable and thread-safe.
/// </summary>
public sealed partial class DecisionTree
{
    private readonly FlatNode[] _nodes;
    private readonly float[] _leafProbabilities;
    private readonly int[] _leafClass;

    internal DecisionTree(FlatNode[] nodes, float[] leafProbabilities, int classCount)
    {
        _nodes = nodes;
        _leafProbabilities = leafProbabilities;
        ClassCount = classCount;
        LeafCount = leafProbabilities.Length / classCount;
        _leafClass = new int[LeafCount];
        for (var leaf = 0; leaf < LeafCount; leaf++)
        {
            var probabilities = LeafProbabilities(leaf);
            var best = 0;
            for (var c = 1; c < classCount; c++)
            {
                if (probabilities[c] > probabilities[best])
                {
                    best = c;
                }
            }

            _leafClass[leaf] = best;
        }
    }

    public int ClassCount { get; }

    public int NodeCount => _nodes.Length;

    public int LeafCount { get; }

    /// <summary>Deepest path from the root (0 for a single leaf).</summary>
    public int Depth => DepthOf(0);

    /// <summary>The leaf <paramref name="features"/> falls into.</summary>
    public int Leaf(ReadOnlySpan<double> features)
    {
        var nodes = _nodes;
        var i = 0;
        while (true)
        {
            var node = nodes[i];
            if (node.Feature < 0)
            {
                return node.Child;
            }

            i = features[node.Feature] <= node.Threshold ? node.Child : node.Child + 1;
        }
    }

    /// <summary>The class this tree votes for.</summary>
    public int PredictClass(ReadOnlySpan<double> features) => _leafClass[Leaf(features)];

    /// <summary>The class a leaf votes for (its majority class).</summary>
    public int LeafClassOf(int leaf) => _leafClass[leaf];

    /// <summary>Class probabilities of a leaf (its training rows' class shares).</summary>
    public ReadOnlySpan<float> LeafProbabilities(int leaf) => _leafProbabilities.AsSpan(leaf * ClassCount, ClassCount);

    internal ReadOnlySpan<FlatNode> Nodes => _nodes;

    /// <summary>Flattens a grown tree; a leaf no training row reached takes its parent's class shares.</summary>
    internal static DecisionTree Flatten(TreeNode root, int classCount)
    {
        var nodes = new List<FlatNode>();
        var leaves = new List<float>();
        var pending = new Queue<(TreeNode Node, int Slot, double[] ParentDistribution)>();
        nodes.Add(default);
        pending.Enqueue((root, 0, root.Distribution));
        while (pending.Count > 0)
        {
            var (node, slot, parentDistribution) = pending.Dequeue();
            if (node.IsLeaf)
            {
                var distribution = node.Total > 0 ? node.Distribution : parentDistribution;
                var total = distribution.Sum();
                nodes[slot] = new FlatNode(0, -1, leaves.Count / classCount);
                foreach (var count in distribution)
                {
                    leaves.Add(total > 0 ? (float)(count / total) : 1f / classCount);
                }

                continue;
            }

            var child = nodes.Count;
            nodes.Add(default);
            nodes.Add(default);
            nodes[slot] = new FlatNode(node.Threshold, node.Feature, child);
            pending.Enqueue((node.Left!, child, node.Distribution));
            pending.Enqueue((node.Right!, child + 1, node.Distribution));
        }

        return new DecisionTree([.. nodes], [.. leaves], classCount);
    }

    private int DepthOf(int i) => _nodes[i].Feature < 0 ? 0 : 1 + Math.Max(DepthOf(_nodes[i].Child), DepthOf(_nodes[i].Child + 1));
}
