using System.Net.Sockets;

namespace Jumpstart.Shared.Sockets;

/// <summary>The accept loop every server shares: hand each accepted socket over, survive transient failures.</summary>
public static class SocketAcceptLoop
{
    private static readonly TimeSpan s_retryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Accepts until <paramref name="stopping"/> is cancelled (or the listener is disposed after it). A failed accept
    /// (a reset before accept completed, fd exhaustion) is reported to <paramref name="acceptFailed"/> and retried
    /// after a short pause, so a lasting failure does not spin.
    /// </summary>
    public static Task RunAsync(Socket listener, Action<Socket> accepted, Action<SocketException> acceptFailed, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return RunAsync(listener.AcceptAsync, accepted, acceptFailed, stopping);
    }

    /// <summary>
    /// The same loop over any accept function (a test injects failures through it): a <see cref="SocketException"/>
    /// from <paramref name="accept"/> is reported and retried; cancellation or disposal after a stop ends the loop.
    /// </summary>
    public static async Task RunAsync(Func<CancellationToken, ValueTask<Socket>> accept, Action<Socket> accepted, Action<SocketException> acceptFailed, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(accept);
        ArgumentNullException.ThrowIfNull(accepted);
        ArgumentNullException.ThrowIfNull(acceptFailed);
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await accept(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                acceptFailed(ex);
                try
                {
                    await Task.Delay(s_retryDelay, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            accepted(socket);
        }
    }
}
