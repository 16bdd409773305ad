using System.Text.Json;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Tests.Metadata;

/// <summary>A fully populated clone description, as hostd would make one.</summary>
internal static class MetadataSamples
{
    public static CloneMetadata Full() => new()
    {
        InstanceId = "i-0042",
        DeploymentId = "hadoop-7",
        Hostname = "worker-42.cluster.local",
        Interfaces =
        [
            new InterfaceConfig
            {
                MatchMac = "52:54:00:aa:bb:cc",
                Name = "eth0",
                Mac = "52:54:00:00:00:42",
                Addresses = ["10.0.0.42/24", "fd00::42/64"],
                Gateway = "10.0.0.1",
                Routes = [new RouteConfig { Destination = "10.1.0.0/16", Gateway = "10.0.0.254", Metric = 10 }],
                DnsServers = ["10.0.0.2"],
                DnsSearch = ["cluster.local"],
                Mtu = 1450,
            },
            new InterfaceConfig { MatchName = "eth1", Dhcp = true },
        ],
        Cms = new CmsEndpoint { Host = "10.0.0.1", Port = 7400, Token = "tok-abcdef0123456789" },
        HostTime = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        RandomSeed = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray()),
        SelfScript = "#!/bin/sh\necho \"I am $(hostname)\"\n",
        UserData = JsonSerializer.SerializeToElement(new { role = "worker", slots = 4 }),
    };

    public static MemoryStream Disc(CloneMetadata metadata)
    {
        var stream = new MemoryStream();
        MetadataDisc.Write(metadata, stream);
        stream.Position = 0;
        return stream;
    }
}
