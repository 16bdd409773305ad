using Jumpstart.Hostd.Images.Distribution;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;

/// <summary>How a source multicasts a bundle (README.md in the Shipping folder: defaults and what each one sets).</summary>
public sealed record MulticastShipOptions
{
    /// <summary>An organisation-local group (RFC 2365), apart from the image service's uftp default.</summary>
    public const string DefaultGroup = "239.192.74.1";

    /// <summary>UDP port of the uftp session (the image service uses uftp's 1044).</summary>
    public const int DefaultPort = 1045;

    /// <summary>Multicast group of the session (<c>uftp -M</c>, <c>uftpd -M</c>): 224.0.0.0/4 or ff00::/8.</summary>
    public string Group { get; init; } = DefaultGroup;

    /// <summary>UDP port (<c>-p</c>), <see cref="MulticastOffer.MinPort"/>..65535.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>Interface name or address the source sends on (<c>uftp -I</c>); null: the route to the group.</summary>
    public string? Interface { get; init; }

    /// <summary>Send rate in Kbit/s (<c>uftp -R</c>).</summary>
    public long RateKbps { get; init; } = 200_000;

    /// <summary>Payload bytes per datagram (<c>uftp -b</c>); null: uftp's default. <see cref="MulticastDistributor.BlockBytesFor"/> gives the interface's.</summary>
    public int? BlockBytes { get; init; }

    public int ChunkBytes { get; init; } = ShippingLimits.DefaultChunkBytes;

    /// <summary>The uftp session is killed after this long; the receivers then fetch what is missing over their streams.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long the source waits for every receiver's uftpd; a later one gets every chunk over its stream.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the source writes the encrypted chunks for uftp (removed afterwards); null: the temp directory.</summary>
    public string? SpoolDirectory { get; init; }

    /// <summary>The sender program: a name looked up on PATH or a full path.</summary>
    public string Program { get; init; } = MulticastDistributor.SenderTool;

    /// <summary>argv that runs uftp elsewhere (tests: <c>ip netns exec NS</c>); empty runs it here.</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];

    internal MulticastGroup Session => new(Group, Port, Interface);

    internal void Validate()
    {
        MulticastOffer.CheckSession(Group, Port, message => new ArgumentException(message, nameof(Group)));
        ArgumentOutOfRangeException.ThrowIfLessThan(RateKbps, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RateKbps, MulticastSendOptions.MaxRateKbps);
        if (BlockBytes is < MulticastSendOptions.MinBlockBytes or > MulticastSendOptions.MaxBlockBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockBytes), BlockBytes, $"uftp's block size is {MulticastSendOptions.MinBlockBytes}..{MulticastSendOptions.MaxBlockBytes} bytes");
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SessionTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReadyTimeout, TimeSpan.Zero);
    }
}
