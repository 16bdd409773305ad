namespace Jumpstart.Shared.HostApi;

/// <summary>
/// JSON-RPC methods of hostd's local control socket (/run/jumpstart/hostd.sock), which the
/// <c>jumpstart</c> CLI uses. Access is decided by the socket file's owner, group and mode.
/// </summary>
public static class HostMethods
{
    /// <summary>Returns <see cref="HostStatus"/>.</summary>
    public const string Status = "host.status";

    /// <summary>The default socket path; overridden with <c>--socket</c> or <c>JUMPSTART_SOCKET</c>.</summary>
    public const string DefaultSocketPath = "/run/jumpstart/hostd.sock";

    /// <summary>Environment variable that overrides the CLI's socket path.</summary>
    public const string SocketEnvironmentVariable = "JUMPSTART_SOCKET";
}
