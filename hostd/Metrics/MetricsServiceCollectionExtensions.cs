using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Metrics;

/// <summary>Registers the metrics endpoint with the hostd daemon's host.</summary>
public static class MetricsServiceCollectionExtensions
{
    /// <summary>Binds <see cref="MetricsOptions"/> to the <c>Metrics</c> section (validated at start) and adds <see cref="MetricsServer"/>;
    /// add it after the capabilities it observes, so it starts after them and stops before them.</summary>
    public static IServiceCollection AddHostdMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddHostedService<MetricsServer>();
        return services;
    }
}
