namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>One step of background deployment, as logged: what was seen, what was done, which hosts moved where.</summary>
public sealed record DeployerDecision(
    DeployerAction Action,
    string Reason,
    double LatencyMicroseconds,
    double RequestsPerSecond,
    int Replicas,
    string? Replica = null,
    IReadOnlyList<string>? MovedHosts = null);
