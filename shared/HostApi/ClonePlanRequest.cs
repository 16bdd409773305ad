namespace Jumpstart.Shared.HostApi;

/// <summary>
/// What a batch of clones (or cold-booted VMs) should look like. hostd plans the rest itself, in one
/// place for <c>jumpstart clone</c> and <c>jumpstart deploy</c>: names <c>PREFIX-1</c> .. <c>PREFIX-N</c>,
/// the instance-ids, a new MAC each (never the template's), consecutive addresses from
/// <see cref="FirstAddress"/>, and with a <see cref="Policy"/> a CMS deployment named
/// <see cref="Prefix"/> with a fresh bearer token per clone.
/// </summary>
public sealed record ClonePlanRequest
{
    /// <summary>Default name prefix.</summary>
    public const string DefaultPrefix = "clone";

    /// <summary>The most DNS servers a clone is given (the resolver reads three: MAXNS in resolv.h).</summary>
    public const int MaxDnsServers = 3;

    /// <summary>How many clones (1 to <see cref="CloneRequest.MaxClones"/>).</summary>
    public int Count { get; init; } = 1;

    /// <summary>Clone names (and hostnames) are PREFIX-1 .. PREFIX-N; with a <see cref="Policy"/> it is also the CMS deployment id.</summary>
    public string Prefix { get; init; } = DefaultPrefix;

    /// <summary>The first clone's IPv4 address with prefix length (e.g. 10.99.0.10/24); the others take the next ones. Null: the NIC is left as the template had it.</summary>
    public string? FirstAddress { get; init; }

    /// <summary>Every clone's default gateway (needs <see cref="FirstAddress"/>).</summary>
    public string? Gateway { get; init; }

    /// <summary>Every clone's DNS servers (needs <see cref="FirstAddress"/>).</summary>
    public IReadOnlyList<string> Dns { get; init; } = [];

    /// <summary>
    /// A CMS role policy (<c>master-workers</c>: clone 1 is the master; <c>all-same</c>): hostd creates the CMS
    /// deployment <see cref="Prefix"/> with one waiting-list entry per clone before any clone starts. Null: no CMS.
    /// </summary>
    public string? Policy { get; init; }

    /// <summary>The CMS as <c>host:port</c>, both for hostd's admin call and on the clones' discs. Null: the CMS this hostd runs.</summary>
    public string? Cms { get; init; }

    /// <summary>The CMS admin token when <see cref="Cms"/> names another CMS (this hostd knows its own).</summary>
    public string? CmsAdminToken { get; init; }
}
