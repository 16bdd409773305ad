using System.Net;
using System.Threading.RateLimiting;

namespace Jumpstart.Hostd.Cluster.Manager;

/// <summary>
/// Counts failed join attempts (a bad token) with System.Threading.RateLimiting fixed windows: at most
/// <see cref="ClusterOptions.MaxJoinFailures"/> per address and <see cref="ClusterOptions.MaxJoinFailuresTotal"/> in all per
/// <see cref="ClusterOptions.JoinFailureWindow"/>. Once either is spent, joins from that address (or from everyone) are
/// refused without looking at the token until the window ends. Tokens carry 165 random bits, so this bounds the noise
/// of a guesser rather than its chances.
/// </summary>
internal sealed class JoinRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress> _limiter;

    public JoinRateLimiter(ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Window = options.JoinFailureWindow;
        var total = PartitionedRateLimiter.Create<IPAddress, string>(_ => RateLimitPartition.GetFixedWindowLimiter("all", _ => Options(options.MaxJoinFailuresTotal)));
        var perAddress = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => Options(options.MaxJoinFailures)));
        _limiter = PartitionedRateLimiter.CreateChained(total, perAddress);

        FixedWindowRateLimiterOptions Options(int permits) => new()
        {
            PermitLimit = permits,
            Window = options.JoinFailureWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    public TimeSpan Window { get; }

    /// <summary>Whether <paramref name="address"/> may try (it has failures left, and so has everyone).</summary>
    public bool Allows(IPAddress address)
    {
        // Zero permits asks whether any is left without spending one.
        using var lease = _limiter.AttemptAcquire(Normalize(address), 0);
        return lease.IsAcquired;
    }

    /// <summary>Counts one failure of <paramref name="address"/>.</summary>
    public void Failed(IPAddress address)
    {
        using var lease = _limiter.AttemptAcquire(Normalize(address), 1);
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public void Dispose() => _limiter.Dispose();
}
