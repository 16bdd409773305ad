namespace Jumpstart.Hostd.Cms;

/// <summary>
/// Serializes one deployment's first registrations and hands them to the processor in batches: each
/// batch is decided in order (every policy call sees all earlier assignments, so "exactly one master"
/// holds) and stored in one transaction, so a burst of registrations costs one fsync per batch
/// instead of one per instance.
/// </summary>
internal sealed class RegistrationQueue(Func<IReadOnlyList<PendingRegistration>, Task> process, int maxBatch = RegistrationQueue.MaxBatch)
{
    /// <summary>Bounds the work (and the transaction) of one batch (SQLite; etcd's Txns take fewer: <see cref="Storage.ICmsStore.MaxRegistrationBatch"/>).</summary>
    public const int MaxBatch = 256;

    private readonly Lock _lock = new();
    private readonly List<PendingRegistration> _pending = [];
    private bool _draining;

    /// <summary>Queues <paramref name="item"/>; completes when it is stored (or refused).</summary>
    /// <remarks>
    /// Cancelling stops the caller's wait only: a queued registration is still decided and stored,
    /// which is harmless because registering again returns the same role.
    /// </remarks>
    public Task EnqueueAsync(PendingRegistration item, CancellationToken cancellationToken)
    {
        bool startDrain;
        lock (_lock)
        {
            _pending.Add(item);
            startDrain = !_draining;
            _draining = true;
        }

        if (startDrain)
        {
            // Drained off the caller's flow, so the first caller's answer does not wait for everyone else's.
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }

        return item.Done.WaitAsync(cancellationToken);
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<PendingRegistration> batch;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    _draining = false;
                    return;
                }

                var take = Math.Min(_pending.Count, maxBatch);
                batch = _pending.GetRange(0, take);
                _pending.RemoveRange(0, take);
            }

            try
            {
                await process(batch);
            }
#pragma warning disable CA1031 // Whatever failed the batch is handed to every caller in it; the drain loop must go on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                foreach (var item in batch)
                {
                    item.Fail(ex);
                }
            }
        }
    }
}
