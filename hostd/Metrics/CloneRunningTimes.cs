namespace Jumpstart.Hostd.Metrics;

/// <summary>
/// When each recent clone started running, by instance-id, so that the CMS on the same host can time the guest's
/// configuration (running -> registered). Bounded: the oldest entry goes first, so clones whose CMS is on another
/// host (which never register here) cannot grow it.
/// </summary>
internal sealed class CloneRunningTimes
{
    /// <summary>Entries kept; a few times the largest clone request.</summary>
    public const int MaxEntries = 4096;

    private readonly Dictionary<string, DateTimeOffset> _times = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Lock _lock = new();

    /// <summary>The process's instance: the clone operation and the CMS meet here.</summary>
    public static CloneRunningTimes Shared { get; } = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _times.Count;
            }
        }
    }

    /// <summary>Ids in the eviction queue, taken ones included (never more than <see cref="MaxEntries"/>).</summary>
    internal int QueuedCount
    {
        get
        {
            lock (_lock)
            {
                return _order.Count;
            }
        }
    }

    public void Add(string? instanceId, DateTimeOffset at)
    {
        if (string.IsNullOrEmpty(instanceId))
        {
            return;
        }

        lock (_lock)
        {
            if (!_times.ContainsKey(instanceId))
            {
                // The queue bounds both: it holds every id the map does, plus ids already taken.
                while (_order.Count >= MaxEntries && _order.TryDequeue(out var oldest))
                {
                    _times.Remove(oldest);
                }

                _order.Enqueue(instanceId);
            }

            _times[instanceId] = at;
        }
    }

    /// <summary>Removes and returns when <paramref name="instanceId"/> started running, or null.</summary>
    public DateTimeOffset? Take(string instanceId)
    {
        lock (_lock)
        {
            // Its queue slot stays until it reaches the front (instance-ids are unique per clone, so it is not reused).
            return _times.Remove(instanceId, out var at) ? at : null;
        }
    }
}
