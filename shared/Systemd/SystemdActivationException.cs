namespace Jumpstart.Shared.Systemd;

/// <summary>What systemd passed cannot be used as the daemon expects (for example a named descriptor is not a socket).</summary>
public sealed class SystemdActivationException : Exception
{
    public SystemdActivationException(string message)
        : base(message)
    {
    }

    public SystemdActivationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
