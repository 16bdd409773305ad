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
    public static async Task RunAsync(Socket listener, Action<Socket> accepted, Action<SocketException> acceptFailed, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(accepted);
        ArgumentNullException.ThrowIfNull(acceptFailed);
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException && stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                acceptFailed(ex);
                await Task.Delay(s_retryDelay, CancellationToken.None);
                continue;
            }

            accepted(socket);
        }
    }
}
