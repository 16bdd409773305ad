namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>One multicast send of an image file to a closed group of receivers.</summary>
public sealed record MulticastSendOptions
{
    /// <summary>Fastest send rate accepted, Kbit/s (100 Gbit/s).</summary>
    public const long MaxRateKbps = 100_000_000;

    /// <summary>The image file to send.</summary>
    public required string File { get; init; }

    /// <summary>Receivers' uftpd client ids (<c>uftpd -U</c>); the send waits for all of them (<c>uftp -H</c>).</summary>
    public required IReadOnlyList<uint> Receivers { get; init; }

    /// <summary>File name on the receivers (<c>uftp -D</c>); default the source's name.</summary>
    public string? DestinationName { get; init; }

    public MulticastGroup Group { get; init; } = new();

    /// <summary>Send rate in Kbit/s (<c>uftp -R</c>).</summary>
    public long RateKbps { get; init; } = 200_000;

    /// <summary>Smallest data block uftp accepts (<c>uftp -b</c>).</summary>
    public const int MinBlockBytes = 512;

    /// <summary>Largest data block uftp accepts (<c>uftp -b</c>, for 9000-byte jumbo frames).</summary>
    public const int MaxBlockBytes = 8800;

    /// <summary>Payload bytes per datagram (<c>uftp -b</c>), <see cref="MinBlockBytes"/>..<see cref="MaxBlockBytes"/>; null: uftp's default 1300 (a 1500-byte MTU). See <see cref="MulticastDistributor.BlockBytesFor"/>.</summary>
    public int? BlockBytes { get; init; }

    /// <summary>The whole session is killed after this long.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The program: a name looked up on PATH or a full path.</summary>
    public string Program { get; init; } = MulticastDistributor.SenderTool;

    /// <summary>argv that runs a program elsewhere, e.g. <c>ip netns exec NS</c>; empty runs uftp here.</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];
}
