namespace Jumpstart.Shared.Systemd;

/// <summary>One file descriptor systemd passed at start (socket activation), with its name.</summary>
/// <param name="Fd">The descriptor number, counted from <see cref="SystemdEnvironment.ListenFdsStart"/>.</param>
/// <param name="Name">Its name from LISTEN_FDNAMES (FileDescriptorName= in the .socket unit), or "unknown".</param>
public readonly record struct PassedDescriptor(int Fd, string Name);
