using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Identity;
using Jumpstart.Guestd.Network;
using Microsoft.Extensions.DependencyInjection;

namespace Jumpstart.Guestd.Daemon;

/// <summary>Wires the real implementations (rtnetlink, sethostname, RNG/clock ioctls) into the engine, for both the service and <c>apply</c>.</summary>
public static class GuestdServices
{
    /// <summary>Registers the engine and its real collaborators; <paramref name="identity"/> defaults to <see cref="CloneIdentity.For"/> the settings' root.</summary>
    public static IServiceCollection AddGuestd(this IServiceCollection services, GuestdSettings settings, EngineOptions? engineOptions = null, CloneIdentity? identity = null)
    {
        engineOptions ??= settings.ToEngineOptions();
        services.AddSingleton(settings);
        services.AddSingleton(engineOptions);
        // Links, addresses, routes, neighbours and the gratuitous ARP from guestd itself (rtnetlink, a packet socket): no process.
        services.AddSingleton<INetworkConfigurator>(_ => new NetlinkConfigurator());
        services.AddSingleton<IKernelHostname, KernelHostname>();

        // hostnamed owns the whole machine's name: only a guestd configuring "/" asks it (apply --root and tests do not).
        if (Path.GetFullPath(engineOptions.Root) == "/")
        {
            services.AddSingleton(new Hostnamed());
        }

        services.AddSingleton(identity ?? CloneIdentity.For(settings.Root));
        services.AddSingleton<ConsoleMarkers>();
        services.AddSingleton<ConfigurationEngine>();
        return services;
    }
}
