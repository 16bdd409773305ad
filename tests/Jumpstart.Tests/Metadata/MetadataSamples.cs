using System.Text.Json;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Tests.Metadata;

/// <summary>Valid clone descriptions and cloud-init documents the tests start from; <see cref="Full"/> is what hostd would make.</summary>
internal static class MetadataSamples
{
    /// <summary>A description in YAML, as an operator writes one for <c>jumpstart iso build</c>.</summary>
    public const string YamlDescription = """
        instanceId: i-cli-1
        deploymentId: demo
        hostname: master-0
        hostTime: 2025-03-04T05:06:07Z
        interfaces:
          - matchMac: "52:54:00:aa:00:01"
            mac: "52:54:00:00:10:01"
            addresses: [10.20.0.10/24]
            gateway: 10.20.0.1
            dnsServers: [10.20.0.1]
        cms:
          host: 10.20.0.1
          port: 7400
          token: secret-token-1
        selfScript: |
          #!/bin/sh
          echo configured
        userData:
          role: master
        """;

    /// <summary>A cloud-init network-config version 1 with every item type guestd supports.</summary>
    public const string NetworkConfigV1 = """
        version: 1
        config:
          - type: physical
            name: eth0
            mac_address: "52:54:00:AB:CD:EF"
            mtu: 1400
            subnets:
              - type: static
                address: 192.168.1.10
                netmask: 255.255.255.0
                gateway: 192.168.1.1
                dns_nameservers: [192.168.1.2]
                routes:
                  - network: 10.0.0.0
                    netmask: 255.0.0.0
                    gateway: 192.168.1.254
                    metric: 5
          - type: physical
            name: eth1
            subnets:
              - type: dhcp
          - type: nameserver
            address: [8.8.8.8]
            search: [example.com]
        """;

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
