namespace Jumpstart.Hostd.Cms.Storage;

/// <summary>
/// One first registration to store: the identity the instance gave and the role its policy chose; <paramref name="Row"/> is
/// the whole row as decided (with its arrival number), which the etcd store writes as is.
/// </summary>
internal sealed record Registration(
    string InstanceId,
    string Hostname,
    IReadOnlyList<string> Addresses,
    int? Rank,
    string Role,
    IReadOnlyDictionary<string, string> Variables,
    InstanceRecord Row);
