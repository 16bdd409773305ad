namespace Jumpstart.Shared.Nbd.Server;

/// <summary>
/// A count of bytes that may be held at once (reply data and write payloads), taken before the memory is allocated
/// and given back when it is released. <see cref="Acquire"/> blocks the connection's reader thread, which is how the
/// server stops reading a client's requests; waiters are served in arrival order, so a large request is not starved
/// by a stream of small ones.
/// </summary>
internal sealed class NbdByteBudget
{
    private readonly object _gate = new();
    private readonly HashSet<long> _abandoned = [];
    private readonly long _capacity;
    private long _available;
    private long _nextTicket;
    private long _serving;

    public NbdByteBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _available = capacity;
    }

    /// <summary>Bytes held now.</summary>
    public long Held
    {
        get
        {
            lock (_gate)
            {
                return _capacity - _available;
            }
        }
    }

    /// <summary>Callers waiting in <see cref="Acquire"/> now.</summary>
    public long Waiting
    {
        get
        {
            lock (_gate)
            {
                return _nextTicket - _serving - _abandoned.Count;
            }
        }
    }

    /// <summary>Waits until <paramref name="bytes"/> are free and every earlier waiter is served, then takes them.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first (nothing is taken).</exception>
    public void Acquire(long bytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, _capacity);
        if (bytes <= 0)
        {
            return;
        }

        lock (_gate)
        {
            // Nobody waiting and enough free: taken at once, without registering for cancellation (the common case,
            // once per request).
            if (_nextTicket == _serving && _available >= bytes)
            {
                _available -= bytes;
                return;
            }
        }

        using var wake = cancellationToken.UnsafeRegister(static state => ((NbdByteBudget)state!).WakeAll(), this);
        lock (_gate)
        {
            var ticket = _nextTicket++;
            try
            {
                while (true)
                {
                    while (_abandoned.Remove(_serving))
                    {
                        _serving++;
                    }

                    if (ticket == _serving && _available >= bytes)
                    {
                        break;
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    Monitor.Wait(_gate);
                }

                _available -= bytes;
                _serving++;
            }
            catch
            {
                // A waiter that gives up must not hold up the ones behind it.
                if (ticket == _serving)
                {
                    _serving++;
                }
                else
                {
                    _abandoned.Add(ticket);
                }

                throw;
            }
            finally
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Gives back bytes taken by <see cref="Acquire"/>.</summary>
    public void Release(long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        lock (_gate)
        {
            _available += bytes;
            if (_available > _capacity)
            {
                throw new InvalidOperationException($"released more than the {_capacity} bytes of the budget");
            }

            Monitor.PulseAll(_gate);
        }
    }

    private void WakeAll()
    {
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }
}
