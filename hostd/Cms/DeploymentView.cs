using Jumpstart.Hostd.Cms.Policies;
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

    // The instances holding the master role: one in a consistent deployment; kept so an assignment needs no scan.
    private readonly Dictionary<string, InstanceRecord> _masters = new(StringComparer.Ordinal);

    public DeploymentView(IEnumerable<InstanceRecord> instances)
    {
        foreach (var instance in instances)
        {
            Apply(instance);
        }
    }

    /// <summary>
    /// The store version up to which this view holds every first registration (a shared store's; 0 until the first batch
    /// of registrations learns it): what this process's next batch is decided on and stored against. Only the
    /// deployment's registration queue, one batch at a time, reads and sets it.
    /// </summary>
    public long RegistrationVersion { get; set; }

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
                _masters.Remove(previous.InstanceId);
            }

            _instances[instance.InstanceId] = instance;
            if (instance.Role == PolicyKinds.MasterRole)
            {
                _masters[instance.InstanceId] = instance;
            }

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

    /// <summary>
    /// What an instance's assignment is resolved from, without ordering the whole list: the instance as the view knows it
    /// (null if unknown), the master (the first to arrive should there be several; null before one registered) and how
    /// many instances the waiting list holds.
    /// </summary>
    public (InstanceRecord? Self, InstanceRecord? Master, int Expected) ForAssignment(string instanceId)
    {
        lock (_lock)
        {
            var master = _masters.Count switch
            {
                0 => null,
                1 => _masters.Values.First(),
                _ => _masters.Values.OrderBy(i => i.Arrival ?? long.MaxValue).ThenBy(i => i.InstanceId, StringComparer.Ordinal).First(),
            };
            return (_instances.GetValueOrDefault(instanceId), master, _instances.Count);
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
