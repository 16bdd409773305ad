using Jumpstart.Hostd.Images.Distribution;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;

/// <summary>How a receiving host takes part in a multicast transfer: its own uftpd settings (the group and port come from the offer).</summary>
public sealed record MulticastReceiveOptions
{
    /// <summary>Interface name or address uftpd listens on (<c>uftpd -I</c>); null: the default route's.</summary>
    public string? Interface { get; init; }

    /// <summary>Directory under which each transfer gets its private spool <c>.multicast-ID</c>; null: the cache's root (same file system as the staging).</summary>
    public string? SpoolRoot { get; init; }

    /// <summary>How long the receiver waits, with its uftpd listening, for the source to say uftp finished.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The receiver program: a name looked up on PATH or a full path.</summary>
    public string Program { get; init; } = MulticastDistributor.ReceiverTool;

    /// <summary>argv that runs uftpd elsewhere (tests: <c>ip netns exec NS</c>); empty runs it here.</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];

    /// <summary>Opens chunks while uftpd still writes the spool (when this host needs every chunk); tests that tamper with the finished spool turn it off.</summary>
    internal bool OpenWhileArriving { get; init; } = true;

    /// <summary>Test hook: called with the spool file after uftp finished and before it is decrypted.</summary>
    internal Action<string>? BeforeDecrypt { get; init; }
}
