namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>One uftpd receiver that writes what it receives into a directory.</summary>
public sealed record MulticastReceiverOptions
{
    /// <summary>Where received files go (<c>uftpd -D</c>); each is received into a temp file and renamed (<c>-t</c>).</summary>
    public required string DestinationDirectory { get; init; }

    /// <summary>This receiver's id (<c>uftpd -U</c>); senders name it in their closed group.</summary>
    public required uint ClientId { get; init; }

    public MulticastGroup Group { get; init; } = new();

    /// <summary>How long to wait for uftpd to report it started.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The program: a name looked up on PATH or a full path.</summary>
    public string Program { get; init; } = MulticastDistributor.ReceiverTool;

    /// <summary>argv that runs a program elsewhere, e.g. <c>ip netns exec NS</c>; empty runs uftpd here.</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];
}
