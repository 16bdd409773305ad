using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Api;

/// <summary>Progress whose notes can be waited for, so they precede the answer they belong to.</summary>
internal interface IOrderedProgress : IProgress<ProgressNote>
{
    /// <summary>Completes once every note so far was handed on.</summary>
    Task FlushAsync();
}

/// <summary>Hands each note to another progress at once (or drops it), for callers inside hostd.</summary>
internal sealed class PassingProgress(IProgress<ProgressNote>? inner) : IOrderedProgress
{
    public void Report(ProgressNote value) => inner?.Report(value);

    public Task FlushAsync() => Task.CompletedTask;
}

/// <summary>Sends each note as a notification, in order; a client that went away just misses them.</summary>
internal sealed class NotifyingProgress(JsonRpcPeer connection) : IOrderedProgress
{
    private readonly Lock _lock = new();
    private Task _tail = Task.CompletedTask;

    public void Report(ProgressNote value)
    {
        // Chained, so notes from parallel clones reach the client in the order they happened.
        lock (_lock)
        {
            _tail = SendAfterAsync(_tail, value);
        }
    }

    /// <summary>Waits until every note so far was handed to the connection, so they precede the answer.</summary>
    public Task FlushAsync()
    {
        lock (_lock)
        {
            return _tail;
        }
    }

    private async Task SendAfterAsync(Task previous, ProgressNote value)
    {
        await previous;
        try
        {
            await connection.NotifyAsync(HostMethods.Progress, new object[] { value });
        }
        catch (Exception ex) when (ex is ConnectionLostException or IOException or ObjectDisposedException)
        {
            // Progress is advisory.
        }
    }
}
