namespace Jumpstart.Shared.HostApi;

/// <summary>
/// A progress notification (<see cref="HostMethods.Progress"/>) hostd sends to the client that asked
/// for a long operation, before the operation's answer.
/// </summary>
public sealed record ProgressNote
{
    /// <summary>The operation, e.g. <c>template.create</c>.</summary>
    public required string Operation { get; init; }

    /// <summary>The stage just reached, e.g. <c>booting</c>, <c>migrating</c>, <c>clone web-3 running</c>.</summary>
    public required string Stage { get; init; }

    public string? Detail { get; init; }

    /// <summary>For a transfer: the bytes moved so far.</summary>
    public long? BytesDone { get; init; }

    /// <summary>For a transfer: the bytes it moves in all, when known.</summary>
    public long? BytesTotal { get; init; }
}
