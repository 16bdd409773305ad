namespace Jumpstart.Hostd.Classification;

/// <summary>Trains single trees and bootstrap ensembles of them (both cores, one seeded <see cref="Random"/> per tree).</summary>
internal static class TreeTrainer
{
    public static DecisionTree Train(TrainingSet set, TreeOptions options, Random random)
    {
        var rows = set.ActiveRows();
        if (rows.Length == 0)
        {
            throw new ArgumentException("no labeled rows to learn from");
        }

        var grower = new TreeGrower(set, options, random, rows.Length);
        var root = grower.Grow(rows);
        if (options.Prune)
        {
            new C45Pruner(set, grower).Run(root);
        }

        return DecisionTree.Flatten(root, set.ClassCount);
    }

    /// <summary>A bootstrap sample of <paramref name="n"/> rows as multiplicities.</summary>
    public static double[] Bootstrap(int n, Random random)
    {
        var weights = new double[n];
        for (var i = 0; i < n; i++)
        {
            weights[random.Next(n)]++;
        }

        return weights;
    }

    /// <summary>Runs <paramref name="work"/> for 0..count-1 on all cores.</summary>
    public static void ForEach(int count, Action<int> work) => Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, work);
}
