namespace Jumpstart.Hostd.Cli;

/// <summary>The command line makes no sense (conflicting or missing options); exit 64.</summary>
public sealed class CliUsageException(string message) : Exception(message);
