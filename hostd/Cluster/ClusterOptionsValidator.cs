using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Cluster;

/// <summary>Rejects an unusable <see cref="ClusterOptions"/> at start: hostd exits 78, as for its other options.</summary>
public sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    /// <summary>The shortest heartbeat interval and handshake bound accepted.</summary>
    private static readonly TimeSpan s_shortest = TimeSpan.FromMilliseconds(100);

    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (!IPEndPoint.TryParse(options.Listen ?? "", out _) || !(options.Listen ?? "").Contains(':', StringComparison.Ordinal))
        {
            problems.Add($"{ClusterOptions.Section}:Listen '{options.Listen}' is not an address:port such as 0.0.0.0:{ClusterOptions.DefaultPort}");
        }

        if (!string.IsNullOrEmpty(options.Directory) && !Path.IsPathFullyQualified(options.Directory))
        {
            problems.Add($"{ClusterOptions.Section}:Directory must be an absolute path (got '{options.Directory}')");
        }

        if (options.AdvertiseAddress is { Length: > 0 } advertised && !IPAddress.TryParse(advertised, out _) && !Identity.HostNames.IsValid(advertised))
        {
            problems.Add($"{ClusterOptions.Section}:AdvertiseAddress '{advertised}' is neither an IP address nor a DNS name");
        }

        if (!string.Equals(options.Store, Etcd.EtcdEndpoints.Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                Etcd.EtcdEndpoints.Parse(options.Store);
            }
            catch (ClusterRequestException ex)
            {
                problems.Add($"{ClusterOptions.Section}:Store: {ex.Message}");
            }
        }

        if (string.IsNullOrEmpty(options.StorePrefix) || !options.StorePrefix.StartsWith('/'))
        {
            problems.Add($"{ClusterOptions.Section}:StorePrefix must start with / (got '{options.StorePrefix}')");
        }

        AtLeast(problems, nameof(ClusterOptions.LeaderLeaseTtl), options.LeaderLeaseTtl, TimeSpan.FromSeconds(2));
        AtLeast(problems, nameof(ClusterOptions.HeartbeatInterval), options.HeartbeatInterval, s_shortest);
        AtLeast(problems, nameof(ClusterOptions.HandshakeTimeout), options.HandshakeTimeout, s_shortest);
        AtLeast(problems, nameof(ClusterOptions.JoinFailureWindow), options.JoinFailureWindow, TimeSpan.FromSeconds(1));
        Positive(problems, nameof(ClusterOptions.MissedHeartbeats), options.MissedHeartbeats);
        Positive(problems, nameof(ClusterOptions.MaxConnections), options.MaxConnections);
        Positive(problems, nameof(ClusterOptions.MaxHandshakes), options.MaxHandshakes);
        Positive(problems, nameof(ClusterOptions.MaxJoinFailures), options.MaxJoinFailures);
        Positive(problems, nameof(ClusterOptions.MaxJoinFailuresTotal), options.MaxJoinFailuresTotal);
        Positive(problems, nameof(ClusterOptions.ParallelStreams), options.ParallelStreams);
        Positive(problems, nameof(ClusterOptions.AssumedLinkMbps), options.AssumedLinkMbps);
        Positive(problems, nameof(ClusterOptions.MulticastRateMbps), options.MulticastRateMbps);
        if (options.HostMemoryReserveMiB < 0)
        {
            problems.Add($"{ClusterOptions.Section}:{nameof(ClusterOptions.HostMemoryReserveMiB)} must be 0 or more, not {options.HostMemoryReserveMiB}");
        }

        if (!IPAddress.TryParse(options.MulticastGroup ?? "", out var group) || !(group.IsIPv6Multicast || (group.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && (group.GetAddressBytes()[0] & 0xF0) == 0xE0)))
        {
            problems.Add($"{ClusterOptions.Section}:MulticastGroup '{options.MulticastGroup}' is not a multicast address such as 239.192.74.1");
        }

        if (options.MulticastPort is < 1024 or > 65535)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{ClusterOptions.Section}:MulticastPort must be 1024 to 65535 (got {options.MulticastPort})"));
        }

        Bytes(problems, nameof(ClusterOptions.BundleCacheSize), options.BundleCacheSize, 1L << 20, long.MaxValue);
        Bytes(problems, nameof(ClusterOptions.BundleChunkSize), options.BundleChunkSize, Vm.Bundles.Shipping.ShippingLimits.MinChunkBytes, Vm.Bundles.Shipping.ShippingLimits.MaxChunkBytes);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void AtLeast(List<string> problems, string key, TimeSpan value, TimeSpan least)
    {
        if (value < least || value > TimeSpan.FromDays(1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{ClusterOptions.Section}:{key} must be {least.TotalSeconds:0.###} s to 1 day (got {value})"));
        }
    }

    private static void Bytes(List<string> problems, string key, string? text, long least, long most)
    {
        long value;
        try
        {
            value = Images.Planning.Quantities.ParseBytes(text ?? "");
        }
        catch (FormatException ex)
        {
            problems.Add($"{ClusterOptions.Section}:{key}: {ex.Message}");
            return;
        }

        if (value < least || value > most)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{ClusterOptions.Section}:{key} must be {least} to {most} bytes (got '{text}')"));
        }
    }

    private static void Positive(List<string> problems, string key, int value)
    {
        if (value < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{ClusterOptions.Section}:{key} must be at least 1 (got {value})"));
        }
    }
}
