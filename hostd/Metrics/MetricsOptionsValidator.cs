using System.Net;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Metrics;

/// <summary>Rejects an unusable <see cref="MetricsOptions"/> at start (hostd exits 78, as for its other options).</summary>
public sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        if (!IPEndPoint.TryParse(options.Address ?? "", out var endPoint) || endPoint.Port == 0)
        {
            return ValidateOptionsResult.Fail($"{MetricsOptions.Section}:Address '{options.Address}' is not an address:port such as {MetricsOptions.DefaultAddress}");
        }

        return IPAddress.IsLoopback(endPoint.Address) || options.AllowNonLoopback
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{MetricsOptions.Section}:Address '{options.Address}' is not a loopback address; the endpoint has no authentication (set {MetricsOptions.Section}:AllowNonLoopback to serve it there anyway)");
    }

    /// <summary>The endpoint of a validated <paramref name="options"/>.</summary>
    public static IPEndPoint EndPointOf(MetricsOptions options) => IPEndPoint.Parse(options.Address);
}
