using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Identity;
using Jumpstart.Guestd.Network;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Guestd.Daemon;

/// <summary>Wires the real implementations (iproute2, sethostname) into the engine, for both the service and <c>apply</c>.</summary>
public static class GuestdServices
{
    public static IServiceCollection AddGuestd(this IServiceCollection services, GuestdSettings settings, EngineOptions? engineOptions = null)
    {
        services.AddSingleton(settings);
        services.AddSingleton(engineOptions ?? settings.ToEngineOptions());
        services.AddSingleton<INetworkConfigurator>(sp => new IpRouteConfigurator(sp.GetRequiredService<ILogger<IpRouteConfigurator>>(), settings.IpTool));
        services.AddSingleton<IKernelHostname, KernelHostname>();
        services.AddSingleton<ConfigurationEngine>();
        return services;
    }
}
