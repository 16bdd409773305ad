namespace Jumpstart.Guestd.Network;

/// <summary>A network link as the kernel reports it.</summary>
public sealed record NetworkLink(string Name, string? Mac, bool IsLoopback);
