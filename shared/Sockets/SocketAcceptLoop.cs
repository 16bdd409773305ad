using System.Net.Sockets;

namespace Jumpstart.Shared.Sockets;

/// <summary>The accept loop every server shares: hand each accepted socket over, survive failed accepts.</summary>
/// <remarks>
/// accept(2): Linux passes errors of a pending connection (ECONNABORTED, a reset, ENETDOWN, EHOSTUNREACH, ...) to
/// accept's caller; they concern that connection only, so the loop accepts the next at once (a peer that resets its
/// connections must not slow everyone's accepts). Out of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM) it backs off,
/// doubling the pause up to <see cref="MaxBackoff"/>, so a lasting shortage does not spin and the waiting connections
/// stay in the kernel's backlog until descriptors come back. Failures are reported at most once per
/// <see cref="ReportInterval"/>, with the count of those held back.
/// </remarks>
public static class SocketAcceptLoop
{
    /// <summary>The first pause after a failed accept that is not about one connection.</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest pause between accepts while they keep failing.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>At most one failure report per interval.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Accepts until <paramref name="stopping"/> is cancelled (or the listener is disposed after it);
    /// <paramref name="acceptFailed"/> gets a failed accept, at most once per <see cref="ReportInterval"/>, and how many
    /// failures were held back since the last report. Log only the exception's message: formatting its stack trace may
    /// need descriptors the process does not have.
    /// </summary>
    public static Task RunAsync(Socket listener, Action<Socket> accepted, Action<SocketException, long> acceptFailed, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return RunAsync(listener.AcceptAsync, accepted, acceptFailed, stopping);
    }

    /// <summary>
    /// The same loop over any accept function (a test injects failures through it): a <see cref="SocketException"/>
    /// from <paramref name="accept"/> is reported and retried (at once, or after a growing pause); cancellation or
    /// disposal after a stop ends the loop.
    /// </summary>
    public static async Task RunAsync(Func<CancellationToken, ValueTask<Socket>> accept, Action<Socket> accepted, Action<SocketException, long> acceptFailed, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(accept);
        ArgumentNullException.ThrowIfNull(accepted);
        ArgumentNullException.ThrowIfNull(acceptFailed);
        var reports = new LogThrottle(ReportInterval);
        var backoff = TimeSpan.Zero;
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
                if (reports.TryEnter(out var heldBack))
                {
                    acceptFailed(ex, heldBack);
                }

                if (ConcernsOneConnection(ex.SocketErrorCode))
                {
                    continue;
                }

                backoff = backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                try
                {
                    await Task.Delay(backoff, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            backoff = TimeSpan.Zero;
            accepted(socket);
        }
    }

    /// <summary>Errors accept(2) passes on from one pending connection; the listener itself is fine.</summary>
    public static bool ConcernsOneConnection(SocketError error) => error is SocketError.ConnectionAborted
        or SocketError.ConnectionReset
        or SocketError.NetworkDown
        or SocketError.NetworkUnreachable
        or SocketError.HostDown
        or SocketError.HostUnreachable
        or SocketError.ProtocolOption
        or SocketError.OperationNotSupported
        or SocketError.TimedOut;
}
