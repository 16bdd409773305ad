namespace Jumpstart.Hostd.Classification;

/// <summary>
/// C4.5's error-based pruning as in Weka's J4.8 (confidence factor 0.25): first collapse subtrees
/// that do not lower the training error, then bottom-up replace a subtree by a leaf, or by its
/// largest branch (subtree raising), when the pessimistic error estimate is not worse by more than 0.1.
/// </summary>
/// <remarks>
/// The estimate is the upper limit of the binomial confidence interval of the error rate
/// (Quinlan, C4.5: Programs for Machine Learning, 1993, ch. 4); for fewer than one error C4.5's
/// interpolation from the exact e = 0 case is used.
/// </remarks>
internal sealed class C45Pruner(TrainingSet set, TreeGrower grower)
{
    /// <summary>Confidence factor 0.25, so z = Phi^-1(0.75).</summary>
    private const double Confidence = 0.25;
    private const double Z = 0.6744897501960817;
    private const double Slack = 0.1;
    private const double CollapseSlack = 1e-3;

    public void Run(TreeNode root)
    {
        Collapse(root);
        Prune(root);
    }

    /// <summary>The pessimistic number of errors added to <paramref name="e"/> observed errors among <paramref name="n"/>.</summary>
    internal static double AddErrors(double n, double e)
    {
        if (e < 1)
        {
            var baseErrors = n * (1 - Math.Pow(Confidence, 1 / n));
            return e == 0 ? baseErrors : baseErrors + (e * (AddErrors(n, 1) - baseErrors));
        }

        if (e + 0.5 >= n)
        {
            return Math.Max(n - e, 0);
        }

        var f = (e + 0.5) / n;
        var r = (f + (Z * Z / (2 * n)) + (Z * Math.Sqrt((f / n) - (f * f / n) + (Z * Z / (4 * n * n))))) / (1 + (Z * Z / n));
        return (r * n) - e;
    }

    private static double EstimatedErrors(double[] distribution)
    {
        var total = distribution.Sum();
        if (total <= 0)
        {
            return 0;
        }

        var incorrect = TreeNode.Incorrect(distribution);
        return incorrect + AddErrors(total, incorrect);
    }

    private static double TrainingErrors(TreeNode node)
        => node.IsLeaf ? TreeNode.Incorrect(node.Distribution) : TrainingErrors(node.Left!) + TrainingErrors(node.Right!);

    private static double EstimatedErrors(TreeNode node)
        => node.IsLeaf ? EstimatedErrors(node.Distribution) : EstimatedErrors(node.Left!) + EstimatedErrors(node.Right!);

    private static void Collapse(TreeNode node)
    {
        if (node.IsLeaf)
        {
            return;
        }

        if (TrainingErrors(node) >= TreeNode.Incorrect(node.Distribution) - CollapseSlack)
        {
            node.MakeLeaf();
            return;
        }

        Collapse(node.Left!);
        Collapse(node.Right!);
    }

    private void Prune(TreeNode node)
    {
        while (!node.IsLeaf)
        {
            Prune(node.Left!);
            Prune(node.Right!);
            var largest = node.Left!.Total >= node.Right!.Total ? node.Left : node.Right;
            var errorsLargest = EstimatedErrorsForBranch(largest, node.Rows);
            var errorsLeaf = EstimatedErrors(node.Distribution);
            var errorsTree = EstimatedErrors(node);
            if (errorsLeaf <= errorsTree + Slack && errorsLeaf <= errorsLargest + Slack)
            {
                node.MakeLeaf();
                return;
            }

            if (errorsLargest > errorsTree + Slack)
            {
                return;
            }

            // Subtree raising: the largest branch takes this node's place and all of its rows, then is pruned again.
            node.Feature = largest.Feature;
            node.Threshold = largest.Threshold;
            node.Left = largest.Left;
            node.Right = largest.Right;
            Redistribute(node, node.Rows);
        }
    }

    private double EstimatedErrorsForBranch(TreeNode node, int[] rows)
    {
        if (node.IsLeaf)
        {
            return EstimatedErrors(grower.DistributionOf(rows));
        }

        var (left, right) = Split(node, rows);
        return EstimatedErrorsForBranch(node.Left!, left) + EstimatedErrorsForBranch(node.Right!, right);
    }

    private void Redistribute(TreeNode node, int[] rows)
    {
        node.Rows = rows;
        node.Distribution = grower.DistributionOf(rows);
        if (!node.IsLeaf)
        {
            var (left, right) = Split(node, rows);
            Redistribute(node.Left!, left);
            Redistribute(node.Right!, right);
        }
    }

    private (int[] Left, int[] Right) Split(TreeNode node, int[] rows) => TreeGrower.Partition(set, rows, node.Feature, node.Threshold);
}
