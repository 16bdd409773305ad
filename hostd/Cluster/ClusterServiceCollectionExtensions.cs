using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Jumpstart.Hostd.Cluster;

/// <summary>Registers the cluster with the hostd daemon's host.</summary>
public static class ClusterServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ClusterOptions"/> to the <c>Cluster</c> section and adds <see cref="ClusterService"/>.</summary>
    public static IServiceCollection AddJumpstartCluster(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ClusterOptions>(configuration.GetSection(ClusterOptions.Section));
        services.AddSingleton<ClusterService>();
        services.AddHostedService(provider => provider.GetRequiredService<ClusterService>());
        return services;
    }
}
