using System.Collections.Concurrent;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// Wakes <c>cms.wait</c> callers when a deployment changes. A waiter takes <see cref="Changed"/>
/// before it evaluates its condition, so a change that lands in between is never missed; every
/// change completes the current task and installs a fresh one.
/// </summary>
internal sealed class DeploymentSignals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _signals = new(StringComparer.Ordinal);

    /// <summary>A task that completes at the next change of <paramref name="deploymentId"/>.</summary>
    public Task Changed(string deploymentId)
        => _signals.GetOrAdd(deploymentId, static _ => NewSource()).Task;

    /// <summary>Wakes every waiter of <paramref name="deploymentId"/>.</summary>
    public void Notify(string deploymentId)
    {
        if (_signals.TryRemove(deploymentId, out var previous))
        {
            previous.TrySetResult();
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
