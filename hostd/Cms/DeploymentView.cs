using Jumpstart.Hostd.Cms.Storage;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// An in-memory copy of one deployment's instance table, updated after every committed write, with
/// per-(role, phase) counts. Barriers evaluate against the counts, so a thousand waiters woken by a
/// thousand registrations cost counter look-ups, not table scans. The database stays the truth; a
/// view is rebuilt from it after a restart.
/// </summary>
internal sealed class DeploymentView
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, InstanceRecord> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<(string? Role, string Phase), int> _counts = [];

    public DeploymentView(IEnumerable<InstanceRecord> instances)
    {
        foreach (var instance in instances)
        {
            Apply(instance);
        }
    }

    public int Expected
    {
        get
        {
            lock (_lock)
            {
                return _instances.Count;
            }
        }
    }

    /// <summary>Replaces what the view knows of one instance (idempotent: a repeated or late update, by <see cref="InstanceRecord.Revision"/>, is harmless).</summary>
    public void Apply(InstanceRecord instance)
    {
        lock (_lock)
        {
            if (_instances.TryGetValue(instance.InstanceId, out var previous))
            {
                if (previous.Revision > instance.Revision)
                {
                    // An older copy (a watch event behind a fresher read): keep the newer one.
                    return;
                }

                _counts[(previous.Role, previous.Phase)]--;
            }

            _instances[instance.InstanceId] = instance;
            var key = (instance.Role, instance.Phase);
            _counts[key] = _counts.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>How many registered instances (of <paramref name="role"/>, if given) are in a phase <paramref name="reached"/> accepts.</summary>
    public int Count(string? role, Func<string, bool> reached)
    {
        lock (_lock)
        {
            var total = 0;
            foreach (var ((r, phase), count) in _counts)
            {
                if (r is not null && (role is null || r == role) && reached(phase))
                {
                    total += count;
                }
            }

            return total;
        }
    }

    /// <summary>One instance as the view knows it, or null.</summary>
    public InstanceRecord? Find(string instanceId)
    {
        lock (_lock)
        {
            return _instances.GetValueOrDefault(instanceId);
        }
    }

    /// <summary>Every instance: registered ones in arrival order, then waiting ones by id (as the store orders them).</summary>
    public IReadOnlyList<InstanceRecord> Snapshot()
    {
        lock (_lock)
        {
            return [.. _instances.Values.OrderBy(i => i.Arrival ?? long.MaxValue).ThenBy(i => i.InstanceId, StringComparer.Ordinal)];
        }
    }
}
