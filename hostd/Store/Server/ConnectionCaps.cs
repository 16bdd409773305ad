namespace Jumpstart.Hostd.Store.Server;

/// <summary>
/// The connection caps a block server actually applies: the configured ones, lowered when the open-files limit cannot
/// hold them all plus <see cref="DescriptorReserve"/> (min(configured, RLIMIT_NOFILE - reserve), shared between the two
/// kinds in the configured proportion), so running out of descriptors refuses connections instead of failing accept.
/// </summary>
internal readonly record struct ConnectionCaps(int Authenticated, int PerPeer, int Unauthenticated, int PerSource)
{
    /// <summary>Descriptors left for everything else: the runtime, object files being written, hostd's other listeners.</summary>
    public const int DescriptorReserve = 128;

    /// <summary>Whether <see cref="Fit"/> had to lower the configured caps.</summary>
    public bool Lowered { get; init; }

    public static ConnectionCaps Fit(BlockServerOptions options, long openFiles)
    {
        ArgumentNullException.ThrowIfNull(options);
        var wanted = (long)options.MaxConnections + options.MaxUnauthenticated;
        var available = Math.Max(2, openFiles - DescriptorReserve);
        if (wanted <= available)
        {
            return new ConnectionCaps(options.MaxConnections, options.MaxConnectionsPerPeer, options.MaxUnauthenticated, options.MaxUnauthenticatedPerSource);
        }

        var unauthenticated = (int)Math.Clamp(available * options.MaxUnauthenticated / wanted, 1, options.MaxUnauthenticated);
        var authenticated = (int)Math.Max(1, available - unauthenticated);
        return new ConnectionCaps(
            authenticated,
            Math.Min(options.MaxConnectionsPerPeer, authenticated),
            unauthenticated,
            Math.Min(options.MaxUnauthenticatedPerSource, unauthenticated))
        { Lowered = true };
    }
}
