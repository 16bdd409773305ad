namespace Jumpstart.Hostd.Classification;

/// <summary>A node while a tree grows and is pruned; <see cref="DecisionTree"/> is the flat form used to predict.</summary>
internal sealed class TreeNode
{
    public TreeNode(double[] distribution, int[] rows)
    {
        Distribution = distribution;
        Rows = rows;
    }

    /// <summary>Weighted class counts of the training rows that reached this node.</summary>
    public double[] Distribution { get; set; }

    /// <summary>The training rows that reached this node (kept for C4.5 pruning; empty otherwise).</summary>
    public int[] Rows { get; set; }

    /// <summary>-1 for a leaf.</summary>
    public int Feature { get; set; } = -1;

    /// <summary>Rows with <c>value &lt;= Threshold</c> go left.</summary>
    public double Threshold { get; set; }

    public TreeNode? Left { get; set; }

    public TreeNode? Right { get; set; }

    public bool IsLeaf => Feature < 0;

    public double Total => Distribution.Sum();

    public void MakeLeaf()
    {
        Feature = -1;
        Left = null;
        Right = null;
    }

    /// <summary>Weight not of the majority class.</summary>
    public static double Incorrect(double[] distribution) => distribution.Sum() - distribution.Max();
}
