using System.Diagnostics;
using System.Globalization;

namespace Jumpstart.Tests.Support;

/// <summary>
/// The one polling helper of the tests. Prefer a started signal (a <see cref="TaskCompletionSource"/>
/// the code under test sets); poll only where nothing can signal (a file appears, another process
/// reaches a state). Every wait is bounded and a timeout names what did not happen.
/// </summary>
public static class Poll
{
    /// <summary>Pause between two probes unless a caller asks for another.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    /// <exception cref="TimeoutException">It did not within <paramref name="timeout"/>.</exception>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, TimeSpan? interval = null, CancellationToken cancellationToken = default)
        => ForAsync(_ => Task.FromResult(condition()), done => done, timeout, what, null, interval, cancellationToken);

    /// <summary>Waits until the asynchronous <paramref name="condition"/> holds; it gets a token that fires at the bound.</summary>
    /// <exception cref="TimeoutException">It did not within <paramref name="timeout"/>.</exception>
    public static Task UntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null, CancellationToken cancellationToken = default)
        => ForAsync(condition, done => done, timeout, what, null, interval, cancellationToken);

    /// <summary>Probes until a value satisfies <paramref name="done"/> and returns that value.</summary>
    /// <exception cref="TimeoutException">None did within <paramref name="timeout"/>; the message shows the last value.</exception>
    public static Task<T> ForAsync<T>(Func<T> probe, Func<T, bool> done, TimeSpan timeout, string what, Func<T, string>? describe = null, TimeSpan? interval = null, CancellationToken cancellationToken = default)
        => ForAsync(_ => Task.FromResult(probe()), done, timeout, what, describe, interval, cancellationToken);

    /// <summary>Probes asynchronously until a value satisfies <paramref name="done"/> and returns that value.</summary>
    /// <exception cref="TimeoutException">None did within <paramref name="timeout"/>; the message shows the last value.</exception>
    public static async Task<T> ForAsync<T>(
        Func<CancellationToken, Task<T>> probe,
        Func<T, bool> done,
        TimeSpan timeout,
        string what,
        Func<T, string>? describe = null,
        TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var clock = Stopwatch.StartNew();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        var seen = "nothing (the probe never answered)";
        while (true)
        {
            try
            {
                var value = await probe(bound.Token);
                if (done(value))
                {
                    return value;
                }

                seen = describe is null ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null" : describe(value);
                if (clock.Elapsed >= timeout)
                {
                    break;
                }

                await Task.Delay(interval ?? DefaultInterval, bound.Token);
            }
            catch (OperationCanceledException) when (bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        throw new TimeoutException($"{what}: not within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (last seen: {seen})");
    }
}
