using System.Threading.Channels;

namespace Jumpstart.Hostd.Qmp;

/// <summary>
/// Events from one <see cref="QmpClient"/> from the moment of subscribing, so a caller subscribes
/// first and then issues the command whose event it awaits (no race). Bounded: the oldest are dropped.
/// </summary>
public sealed class QmpEventSubscription : IDisposable
{
    private readonly Channel<QmpEvent> _channel = Channel.CreateBounded<QmpEvent>(
        new BoundedChannelOptions(QmpLimits.SubscriberCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly Action<QmpEventSubscription> _unsubscribe;

    internal QmpEventSubscription(Action<QmpEventSubscription> unsubscribe) => _unsubscribe = unsubscribe;

    /// <summary>The events; completes with <see cref="QmpConnectionClosedException"/> when QMP closes.</summary>
    public ChannelReader<QmpEvent> Reader => _channel.Reader;

    /// <summary>Waits for the first event <paramref name="match"/> accepts.</summary>
    /// <exception cref="QmpTimeoutException">None arrived within <paramref name="timeout"/>.</exception>
    /// <exception cref="QmpConnectionClosedException">QEMU went away first.</exception>
    public async Task<QmpEvent> WaitAsync(Func<QmpEvent, bool> match, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var next = await _channel.Reader.ReadAsync(deadline.Token);
                if (match(next))
                {
                    return next;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new QmpTimeoutException(what, timeout);
        }
        catch (ChannelClosedException ex)
        {
            throw ex.InnerException as QmpException ?? new QmpConnectionClosedException($"QMP closed while waiting for {what}", ex);
        }
    }

    public void Dispose()
    {
        _unsubscribe(this);
        _channel.Writer.TryComplete();
    }

    internal void Publish(QmpEvent qmpEvent) => _channel.Writer.TryWrite(qmpEvent);

    internal void Complete(Exception reason) => _channel.Writer.TryComplete(reason);
}
