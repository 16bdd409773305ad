using Jumpstart.Hostd.Qmp;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>One supervised QEMU: its launch description, pid, QMP connection and fate.</summary>
public sealed class VmHandle
{
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly QmpClient? _qmp;

    internal VmHandle(VmLaunch launch, VmPaths paths, int pid, QmpClient? qmp, DateTimeOffset startedAt)
    {
        Launch = launch;
        Paths = paths;
        Pid = pid;
        _qmp = qmp;
        StartedAt = startedAt;
        State = qmp is null ? VmState.Dead : VmState.Alive;
        if (qmp is null)
        {
            _ended.TrySetResult();
        }
    }

    public string Name => Launch.Name;

    public VmLaunch Launch { get; }

    public VmPaths Paths { get; }

    public int Pid { get; }

    public DateTimeOffset StartedAt { get; }

    public VmState State { get; private set; }

    /// <summary>Why the VM is not alive, when it is not.</summary>
    public string? EndReason { get; private set; }

    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>The VM's QMP connection.</summary>
    /// <exception cref="InvalidOperationException">The VM is not alive.</exception>
    public QmpClient Qmp => State == VmState.Alive && _qmp is { } qmp ? qmp : throw new InvalidOperationException($"VM {Name} is {State.ToString().ToLowerInvariant()}");

    /// <summary>Completes when the VM dies or is stopped.</summary>
    public Task Ended => _ended.Task;

    internal QmpClient? Connection => _qmp;

    internal void MarkEnded(VmState state, string reason, DateTimeOffset at)
    {
        if (EndReason is not null)
        {
            return;
        }

        State = state;
        EndReason = reason;
        EndedAt = at;
        _ended.TrySetResult();
    }

    internal void MarkDead(string reason, DateTimeOffset at) => MarkEnded(VmState.Dead, reason, at);
}
