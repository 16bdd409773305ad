using System.Reflection;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Daemon;
using Jumpstart.Shared.HostApi;
using Microsoft.Extensions.Options;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Api;

/// <summary>
/// The methods hostd serves on its control socket. One instance serves every connection; each
/// capability adds its methods here (or as another target) as it lands.
/// </summary>
public sealed class HostdApi(IOptionsMonitor<HostdOptions> options, ControlSocket controlSocket, TimeProvider time, CmsHostedService? cms = null)
{
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    [JsonRpcMethod(HostMethods.Status)]
    public HostStatus Status()
    {
        var current = options.CurrentValue;
        return new HostStatus
        {
            NodeName = current.NodeName,
            Version = typeof(HostdApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            StartedAt = _startedAt,
            StateDirectory = current.StateDirectory,
            ControlSocket = controlSocket.Path,
            CmsEndpoint = cms?.Server?.TcpEndPoint.ToString(),
        };
    }
}
