namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>One uftpd receiver that writes what it receives into a directory.</summary>
public sealed record MulticastReceiverOptions
{
    /// <summary>Where received files go (<c>uftpd -D</c>); each is received into a temp file and renamed (<c>-t</c>).</summary>
    public required string DestinationDirectory { get; init; }

    /// <summary>This receiver's id (<c>uftpd -U</c>); senders name it in their closed group.</summary>
    public required uint ClientId { get; init; }

    public MulticastGroup Group { get; init; } = new();

    /// <summary>
    /// UDP receive buffer (<c>uftpd -B</c>, 64 KiB..100 MiB; the kernel caps it at net.core.rmem_max). uftp's default of
    /// 256 KiB holds 7 ms at 300 Mbit/s: a receiver descheduled longer drops datagrams, and every chunk with a hole
    /// waits for uftp's next pass. 8 MiB holds over 200 ms at that rate.
    /// </summary>
    public int ReceiveBufferBytes { get; init; } = 8 << 20;

    /// <summary>How long to wait for uftpd to report it started.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The program: a name looked up on PATH or a full path.</summary>
    public string Program { get; init; } = MulticastDistributor.ReceiverTool;

    /// <summary>argv that runs a program elsewhere, e.g. <c>ip netns exec NS</c>; empty runs uftpd here.</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];
}
