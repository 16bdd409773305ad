namespace Jumpstart.Hostd.Cms.Storage;

/// <summary>How far a deployment's waiting list has come.</summary>
internal sealed record DeploymentCounts(int Expected, int Registered, int Ready, int Failed);
