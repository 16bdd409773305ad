// Placeholder until the daemon wiring lands.
return Jumpstart.Shared.Cli.ExitCodes.Software;
