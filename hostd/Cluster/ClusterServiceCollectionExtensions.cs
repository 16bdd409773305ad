using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Cluster;

/// <summary>Registers the cluster with the hostd daemon's host.</summary>
public static class ClusterServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ClusterOptions"/> to the <c>Cluster</c> section (validated at start) and adds <see cref="ClusterService"/>.</summary>
    public static IServiceCollection AddJumpstartCluster(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        services.AddSingleton<Bundles.ClusterBundles>();
        services.AddSingleton<ClusterService>();
        services.AddSingleton<Deployments.IDeploymentImages, Deployments.Images.DeploymentImages>();
        services.AddHostedService(provider => provider.GetRequiredService<ClusterService>());
        return services;
    }
}
