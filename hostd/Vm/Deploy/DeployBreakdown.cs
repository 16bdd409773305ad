namespace Jumpstart.Hostd.Vm.Deploy;

/// <summary>
/// The per-stage time breakdown of one deployment: each stage's mean and slowest per-clone time, and
/// the wall time from the request to the last clone's role (what an operator waits for).
/// </summary>
public sealed record DeployBreakdown
{
    public required int Clones { get; init; }

    public required IReadOnlyList<StageFigure> Stages { get; init; }

    /// <summary>Request -> every clone running, in seconds.</summary>
    public required double AllRunningSeconds { get; init; }

    /// <summary>Request -> every clone ready with its role, in seconds; null when some never got there.</summary>
    public double? AllReadySeconds { get; init; }

    /// <summary>Computes the breakdown from each clone's timeline; <paramref name="requestedAt"/> starts the wall clock.</summary>
    public static DeployBreakdown From(DateTimeOffset requestedAt, IReadOnlyCollection<CloneTimeline> clones)
    {
        ArgumentNullException.ThrowIfNull(clones);
        if (clones.Count == 0)
        {
            throw new ArgumentException("a breakdown needs at least one clone", nameof(clones));
        }

        var stages = new List<StageFigure>();
        if (clones.Any(c => c.DispatchedAt is not null))
        {
            stages.Add(Figure(DeployStages.StateDistribution, clones.Select(c => c.DispatchedAt - c.RequestedAt)));
        }

        stages.AddRange(
        [
            Figure(DeployStages.BundleVerifyCopy, clones.Select(c => (TimeSpan?)(c.DisksReadyAt - (c.DispatchedAt ?? c.RequestedAt)))),
            Figure(DeployStages.Resume, clones.Select(c => (TimeSpan?)(c.RunningAt - c.DisksReadyAt))),
            Figure(DeployStages.GuestConfiguration, clones.Select(c => c.RegisteredAt - c.RunningAt)),
            Figure(DeployStages.CmsRole, clones.Select(c => c.ReadyAt - c.RegisteredAt)),
            Figure(DeployStages.Total, clones.Select(c => c.ReadyAt - c.RequestedAt)),
        ]);
        var allReady = clones.All(c => c.ReadyAt is not null)
            ? (clones.Max(c => c.ReadyAt!.Value) - requestedAt).TotalSeconds
            : (double?)null;
        return new DeployBreakdown
        {
            Clones = clones.Count,
            Stages = stages,
            AllRunningSeconds = (clones.Max(c => c.RunningAt) - requestedAt).TotalSeconds,
            AllReadySeconds = allReady,
        };
    }

    /// <summary>The figure of <paramref name="stage"/> (one of <see cref="DeployStages"/>).</summary>
    public StageFigure this[string stage] => Stages.First(s => s.Stage == stage);

    private static StageFigure Figure(string stage, IEnumerable<TimeSpan?> durations)
    {
        // A negative span means two clocks disagreed (a CMS on another host): count it as zero, not as time saved.
        var seconds = durations.OfType<TimeSpan>().Select(d => Math.Max(0, d.TotalSeconds)).ToList();
        return seconds.Count == 0
            ? new StageFigure(stage, 0, 0, 0)
            : new StageFigure(stage, seconds.Count, seconds.Average(), seconds.Max());
    }
}
