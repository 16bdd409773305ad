namespace Jumpstart.Hostd.Cli.Deploy;

/// <summary>A deploy could not go on (a VM failed to start, the spec cannot be cloned); the message says what to fix.</summary>
public sealed class DeployException(string message) : Exception(message);
