using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Jumpstart.Hostd.Cms;

/// <summary>Registers the CMS with the hostd daemon's host.</summary>
public static class CmsServiceCollectionExtensions
{
    /// <summary>Binds <see cref="CmsOptions"/> to the <c>Cms</c> section and adds <see cref="CmsHostedService"/>.</summary>
    public static IServiceCollection AddJumpstartCms(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<CmsOptions>(configuration.GetSection(CmsOptions.SectionName));
        services.AddSingleton<CmsHostedService>();
        services.AddHostedService(provider => provider.GetRequiredService<CmsHostedService>());
        return services;
    }
}
