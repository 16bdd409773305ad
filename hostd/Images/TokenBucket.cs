using System.Diagnostics;

namespace Jumpstart.Hostd.Images;

/// <summary>
/// A token bucket for byte rates: <see cref="TakeAsync"/> waits until the bytes fit under the rate. A burst of at
/// most a twentieth of a second (or one request, if larger) can go out at once. Not thread-safe: one taker.
/// </summary>
internal sealed class TokenBucket(long bytesPerSecond)
{
    private const double BurstSeconds = 0.05;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly double _capacity = Math.Max(1, bytesPerSecond * BurstSeconds);
    private double _tokens = Math.Max(1, bytesPerSecond * BurstSeconds);
    private TimeSpan _last;

    public async Task TakeAsync(long bytes, CancellationToken cancellationToken)
    {
        if (bytesPerSecond <= 0)
        {
            return;
        }

        while (true)
        {
            var now = _clock.Elapsed;
            _tokens = Math.Min(Math.Max(_capacity, bytes), _tokens + ((now - _last).TotalSeconds * bytesPerSecond));
            _last = now;
            if (_tokens >= bytes)
            {
                _tokens -= bytes;
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds((bytes - _tokens) / bytesPerSecond), cancellationToken);
        }
    }
}
