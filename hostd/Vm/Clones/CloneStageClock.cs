using System.Diagnostics;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>Records when each stage of one VM's start ended, on the request's clock, and reports it as progress.</summary>
internal sealed class CloneStageClock
{
    private readonly List<StageTime> _stages = [];
    private readonly string _operation;
    private readonly string _name;
    private readonly DateTimeOffset _startedAt;
    private readonly Stopwatch _clock;
    private readonly IProgress<ProgressNote>? _progress;

    /// <param name="operation">The API operation, for progress notes.</param>
    /// <param name="name">The VM.</param>
    /// <param name="startedAt">When the request arrived.</param>
    /// <param name="clock">Started when the request arrived.</param>
    /// <param name="progress">Receives a note per stage.</param>
    /// <param name="verifySeconds">When the shared verification ended (null: no verify stage).</param>
    public CloneStageClock(string operation, string name, DateTimeOffset startedAt, Stopwatch clock, IProgress<ProgressNote>? progress, double? verifySeconds)
    {
        _operation = operation;
        _name = name;
        _startedAt = startedAt;
        _clock = clock;
        _progress = progress;
        if (verifySeconds is { } seconds)
        {
            _stages.Add(new StageTime(CloneStage.Verify, startedAt.AddSeconds(seconds), seconds));
        }
    }

    public IReadOnlyList<StageTime> Stages => _stages;

    /// <summary>Seconds from the request to the last stage.</summary>
    public double Last => _stages.Count == 0 ? 0 : _stages[^1].Seconds;

    public void Mark(string stage)
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        _stages.Add(new StageTime(stage, _startedAt.AddSeconds(seconds), seconds));
        Metrics.HostdMetrics.CloneStageMarked(_stages);
        _progress?.Report(new ProgressNote { Operation = _operation, Stage = stage, Detail = _name });
    }
}
