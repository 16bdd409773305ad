namespace Jumpstart.Shared.HostApi;

/// <summary><c>store.repair</c>: re-create the lost or corrupt combinations of a stored file.</summary>
public sealed record StoreRepairRequest
{
    /// <summary>The stored file.</summary>
    public required string Name { get; init; }

    /// <summary>Old server name to new: every combination on the old server is re-created on the new one.</summary>
    public IReadOnlyDictionary<string, string>? Replace { get; init; }

    /// <summary>Give every unreachable server of the file a free registered server as its replacement.</summary>
    public bool Auto { get; init; }
}
