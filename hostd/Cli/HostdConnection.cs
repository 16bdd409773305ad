using System.CommandLine;
using System.Net.Sockets;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Hostd.Cli;

/// <summary>The CLI's connection to the local hostd control socket.</summary>
public static class HostdConnection
{
    /// <summary>The <c>--socket</c> option every hostd command shares.</summary>
    public static Option<string> CreateSocketOption() => new("--socket")
    {
        Description = $"hostd's control socket (default ${HostMethods.SocketEnvironmentVariable} or {HostMethods.DefaultSocketPath}).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(HostMethods.SocketEnvironmentVariable) is { Length: > 0 } path ? path : HostMethods.DefaultSocketPath,
        Recursive = true,
    };

    /// <summary>Connects, turning "no such socket" into a message that says what to check.</summary>
    public static Task<JsonRpcPeer> ConnectAsync(string socketPath, CancellationToken cancellationToken)
        => ConnectAsync(socketPath, configure: null, cancellationToken);

    /// <summary>Connects; <paramref name="configure"/> may add local targets (e.g. for hostd's progress notifications) before listening starts.</summary>
    public static async Task<JsonRpcPeer> ConnectAsync(string socketPath, Action<JsonRpcPeer>? configure, CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
        {
            throw new SocketException((int)SocketError.AddressNotAvailable, $"{socketPath} does not exist: is jumpstart-hostd running? (systemctl status jumpstart-hostd)");
        }

        return await JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), configure, cancellationToken: cancellationToken);
    }
}
