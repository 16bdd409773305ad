namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>
/// Count, minimum, maximum, mean and variance of a stream of values in O(1) space, by Welford's
/// online algorithm (B. P. Welford, "Note on a method for calculating corrected sums of squares and
/// products", Technometrics 4(3), 1962), which stays accurate where the naive sum of squares cancels.
/// </summary>
public struct RunningStatistics
{
    public long Count { get; private set; }

    public double Minimum { get; private set; }

    public double Maximum { get; private set; }

    public double Mean { get; private set; }

    private double _squaredDeviations;

    public void Add(double value)
    {
        Count++;
        if (Count == 1)
        {
            Minimum = value;
            Maximum = value;
            Mean = value;
            return;
        }

        if (value < Minimum)
        {
            Minimum = value;
        }

        if (value > Maximum)
        {
            Maximum = value;
        }

        var delta = value - Mean;
        Mean += delta / Count;
        _squaredDeviations += delta * (value - Mean);
    }

    /// <summary>Population standard deviation (divides by n); 0 for fewer than two values.</summary>
    public readonly double PopulationStandardDeviation => Count < 2 ? 0 : Math.Sqrt(Math.Max(0, _squaredDeviations / Count));

    /// <summary>Sample standard deviation (divides by n - 1); 0 for fewer than two values.</summary>
    public readonly double SampleStandardDeviation => Count < 2 ? 0 : Math.Sqrt(Math.Max(0, _squaredDeviations / (Count - 1)));
}
