namespace Jumpstart.Hostd.Classification.Evaluation;

/// <summary>
/// Draws the paper's splits: per repeat, each class's flows are shuffled; up to N per class form an
/// unbiased training set and the rest is the test set; at unlabeled rate p the first round(p n_c) of
/// each class's training flows lose their labels (U), the others stay labeled (L). So within a
/// repeat every rate uses the same training and test flows. Deterministic for a seed.
/// </summary>
public static class EvaluationSplits
{
    public static IEnumerable<EvaluationSplit> Draw(FlowDataset data, EvaluationOptions options, int repeat, IReadOnlyCollection<int>? withheldClasses = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var random = Seeds.For(options.Seed, repeat, 7);
        var byClass = ShuffledClasses(data, data.ClassCount, Enumerable.Range(0, data.Count), random);
        var training = new List<int[]>();
        var test = new List<int>();
        for (var c = 0; c < data.ClassCount; c++)
        {
            var rows = byClass[c];
            var take = withheldClasses?.Contains(c) == true ? 0 : Math.Min(options.TrainingPerClass, rows.Count);
            training.Add([.. rows.Take(take)]);
            test.AddRange(rows.Skip(take));
        }

        test.Sort();
        foreach (var rate in options.UnlabeledRates)
        {
            yield return Cut(repeat, rate, training, [.. test]);
        }
    }

    /// <summary>
    /// The adaptability split: the flows are halved at random per class; training (as <see cref="Draw"/>)
    /// comes from the first half, the test set is the second half resampled to a skewed class mix
    /// (class weights 1, 1/2, 1/3, ... in a random class order), so train and test are drawn differently.
    /// </summary>
    public static IEnumerable<EvaluationSplit> DrawShifted(FlowDataset data, EvaluationOptions options, int repeat)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var random = Seeds.For(options.Seed, repeat, 11);
        var byClass = ShuffledClasses(data, data.ClassCount, Enumerable.Range(0, data.Count), random);
        var classOrder = Enumerable.Range(0, data.ClassCount).ToArray();
        random.Shuffle(classOrder);
        var training = new List<int[]>();
        var test = new List<int>();
        for (var c = 0; c < data.ClassCount; c++)
        {
            var rows = byClass[c];
            var half = rows.Count / 2;
            training.Add([.. rows.Take(Math.Min(half, options.TrainingPerClass))]);
            var share = 1.0 / (1 + Array.IndexOf(classOrder, c));
            test.AddRange(rows.Skip(half).Take((int)Math.Ceiling((rows.Count - half) * share)));
        }

        test.Sort();
        foreach (var rate in options.UnlabeledRates)
        {
            yield return Cut(repeat, rate, training, [.. test]);
        }
    }

    private static EvaluationSplit Cut(int repeat, double rate, List<int[]> training, int[] test)
    {
        var labeled = new List<int>();
        var unlabeled = new List<int>();
        foreach (var rows in training)
        {
            var hidden = (int)Math.Round(rate * rows.Length);
            unlabeled.AddRange(rows.Take(hidden));
            labeled.AddRange(rows.Skip(hidden));
        }

        labeled.Sort();
        unlabeled.Sort();
        return new EvaluationSplit(repeat, rate, [.. labeled], [.. unlabeled], test);
    }

    private static List<List<int>> ShuffledClasses(FlowDataset data, int classCount, IEnumerable<int> rows, Random random)
    {
        var byClass = Enumerable.Range(0, classCount).Select(_ => new List<int>()).ToList();
        foreach (var row in rows)
        {
            if (data.Labels[row] >= 0)
            {
                byClass[data.Labels[row]].Add(row);
            }
        }

        foreach (var list in byClass)
        {
            var array = list.ToArray();
            random.Shuffle(array);
            list.Clear();
            list.AddRange(array);
        }

        return byClass;
    }
}
