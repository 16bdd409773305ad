using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Metadata;

/// <summary>NoCloud and ConfigDrive discs made with genisoimage, the way cloud tooling makes them, read into <see cref="CloneMetadata"/>.</summary>
[Trait(Capabilities.Trait, Capabilities.Metadata)]
public sealed class CloudDiscTests : IDisposable
{
    private readonly TempDirectory _temp = new("cloud-disc");

    public void Dispose() => _temp.Dispose();

    [ToolFact("genisoimage")]
    public async Task NoCloud_WithNetworkConfigV1_IsRead()
    {
        var disc = await MakeDiscAsync("cidata", new()
        {
            ["meta-data"] = "instance-id: iid-local01\nlocal-hostname: cloudimg\n",
            ["user-data"] = "#!/bin/sh\necho self\n",
            ["network-config"] = MetadataSamples.NetworkConfigV1,
        });

        var metadata = MetadataDisc.Read(disc);

        Assert.Equal(MetadataSource.NoCloud, metadata.Source);
        Assert.Equal("iid-local01", metadata.InstanceId);
        Assert.Equal("cloudimg", metadata.Hostname);
        Assert.Equal("#!/bin/sh\necho self\n", metadata.SelfScript);
        Assert.Null(metadata.UserData);
        var eth0 = metadata.Interfaces[0];
        Assert.Equal("52:54:00:ab:cd:ef", eth0.MatchMac);
        Assert.Equal("eth0", eth0.Name);
        Assert.Equal(["192.168.1.10/24"], eth0.Addresses);
        Assert.Equal("192.168.1.1", eth0.Gateway);
        Assert.Equal(1400, eth0.Mtu);
        Assert.Equal(["192.168.1.2", "8.8.8.8"], eth0.DnsServers);
        Assert.Equal(["example.com"], eth0.DnsSearch);
        Assert.Equal(new RouteConfig { Destination = "10.0.0.0/8", Gateway = "192.168.1.254", Metric = 5 }, Assert.Single(eth0.Routes));
        Assert.Equal("eth1", metadata.Interfaces[1].MatchName);
        Assert.True(metadata.Interfaces[1].Dhcp);
    }

    [ToolFact("genisoimage")]
    public async Task NoCloud_WithNetworkConfigV2AndCloudConfig_IsRead()
    {
        var disc = await MakeDiscAsync("cidata", new()
        {
            ["meta-data"] = "instance-id: 1234\nlocal-hostname: web-1\n",
            ["user-data"] = "#cloud-config\npackages: [nginx]\n",
            ["network-config"] = """
                network:
                  version: 2
                  ethernets:
                    lan:
                      match:
                        macaddress: "52:54:00:12:34:56"
                      set-name: lan0
                      addresses: [10.1.2.3/24, "fd00::3/64"]
                      gateway4: 10.1.2.1
                      nameservers:
                        addresses: [10.1.2.2]
                        search: [corp.example]
                      routes:
                        - to: 172.16.0.0/12
                          via: 10.1.2.254
                          metric: 100
                    eth9:
                      dhcp4: true
                """,
        });

        var metadata = MetadataDisc.Read(disc);

        Assert.Equal("1234", metadata.InstanceId);
        Assert.Equal("web-1", metadata.Hostname);
        Assert.Null(metadata.SelfScript);
        Assert.Equal("#cloud-config\npackages: [nginx]\n", metadata.UserData!.Value.GetString());
        var lan = metadata.Interfaces[0];
        Assert.Equal(("52:54:00:12:34:56", "lan0", "10.1.2.1"), (lan.MatchMac, lan.Name, lan.Gateway));
        Assert.Equal(["10.1.2.3/24", "fd00::3/64"], lan.Addresses);
        Assert.Equal(new RouteConfig { Destination = "172.16.0.0/12", Gateway = "10.1.2.254", Metric = 100 }, Assert.Single(lan.Routes));
        Assert.Equal(["10.1.2.2"], lan.DnsServers);
        Assert.Equal("eth9", metadata.Interfaces[1].MatchName);
        Assert.True(metadata.Interfaces[1].Dhcp);
    }

    [ToolFact("genisoimage")]
    public async Task ConfigDrive_IsRead()
    {
        var disc = await MakeDiscAsync("config-2", new()
        {
            ["openstack/latest/meta_data.json"] = """{"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "hostname": "vm-1.novalocal", "random_seed": "AAECAw=="}""",
            ["openstack/latest/user_data"] = """{"role": "db"}""",
            ["openstack/latest/network_data.json"] = """
                {
                  "links": [{"id": "tap1", "type": "ovs", "ethernet_mac_address": "FA:16:3E:00:00:01", "mtu": 1450}],
                  "networks": [
                    {"id": "n1", "link": "tap1", "type": "ipv4", "ip_address": "10.0.0.7", "netmask": "255.255.255.0",
                     "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.0.1"},
                                {"network": "10.9.0.0", "netmask": "255.255.0.0", "gateway": "10.0.0.9"}]},
                    {"id": "n2", "link": "tap1", "type": "ipv6_dhcp"}
                  ],
                  "services": [{"type": "dns", "address": "10.0.0.2"}]
                }
                """,
        });

        var metadata = MetadataDisc.Read(disc);

        Assert.Equal(MetadataSource.ConfigDrive, metadata.Source);
        Assert.Equal("83679162-1378-4288-a2d4-70e13ec132aa", metadata.InstanceId);
        Assert.Equal("vm-1.novalocal", metadata.Hostname);
        Assert.Equal("AAECAw==", metadata.RandomSeed);
        Assert.Equal("db", metadata.UserData!.Value.GetProperty("role").GetString());
        var nic = Assert.Single(metadata.Interfaces);
        Assert.Equal(("fa:16:3e:00:00:01", 1450, "10.0.0.1", true), (nic.MatchMac, nic.Mtu, nic.Gateway, nic.Dhcp));
        Assert.Equal(["10.0.0.7/24"], nic.Addresses);
        Assert.Equal(new RouteConfig { Destination = "10.9.0.0/16", Gateway = "10.0.0.9" }, Assert.Single(nic.Routes));
        Assert.Equal(["10.0.0.2"], nic.DnsServers);
    }

    [ToolTheory("genisoimage")]
    [InlineData("local-hostname: \"bad;host\"", "hostname")]
    [InlineData("local-hostname: \"-rf\"", "hostname")]
    public async Task NoCloud_GarbageValues_AreRejectedWithTheField(string line, string field)
    {
        var disc = await MakeDiscAsync("cidata", new() { ["meta-data"] = $"instance-id: i-1\n{line}\n" });

        var error = Assert.Throws<MetadataException>(() => MetadataDisc.Read(disc));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [ToolTheory("genisoimage")]
    [InlineData("version: 1\nconfig:\n  - type: physical\n    name: eth0\n    mac_address: \"zz:54:00:12:34:56\"\n", "matchMac")]
    [InlineData("version: 1\nconfig:\n  - type: physical\n    name: \"eth0; reboot\"\n", "matchName")]
    [InlineData("version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n        address: 10.0.0.300/24\n", "10.0.0.300")]
    [InlineData("version: 2\nethernets:\n  eth0:\n    addresses: [\"10.0.0.1/33\"]\n", "addresses")]
    [InlineData("version: 2\nethernets:\n  eth0:\n    mtu: 20\n", "mtu")]
    [InlineData("version: 2\nbonds:\n  bond0: {}\nethernets: {}\n", "ethernets only")]
    [InlineData("version: 3\n", "version 3")]
    [InlineData("version: 1\nconfig:\n  - type: bond\n", "'bond'")]
    [InlineData("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nversion: 1\n", "holds more than 100000 values")]
    public async Task NoCloud_BadNetworkConfig_IsRejectedWithAClearMessage(string networkConfig, string expected)
    {
        var disc = await MakeDiscAsync("cidata", new() { ["meta-data"] = "instance-id: i-1\nlocal-hostname: h\n", ["network-config"] = networkConfig });

        var error = Assert.Throws<MetadataException>(() => MetadataDisc.Read(disc));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [ToolFact("genisoimage")]
    public async Task NoCloud_WithoutMetaData_IsRejected()
    {
        var disc = await MakeDiscAsync("cidata", new() { ["user-data"] = "#!/bin/sh\n" });

        var error = Assert.Throws<MetadataException>(() => MetadataDisc.Read(disc));

        Assert.Contains("no meta-data", error.Message, StringComparison.Ordinal);
    }

    [ToolFact("genisoimage")]
    public async Task ConfigDrive_MalformedJson_IsRejected()
    {
        var disc = await MakeDiscAsync("config-2", new() { ["openstack/latest/meta_data.json"] = "{\"uuid\": " });

        var error = Assert.Throws<MetadataException>(() => MetadataDisc.Read(disc));

        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [ToolFact("genisoimage")]
    public async Task NoCloud_OversizedUserData_IsRejectedBeforeReading()
    {
        var disc = await MakeDiscAsync("cidata", new()
        {
            ["meta-data"] = "instance-id: i-1\nlocal-hostname: h\n",
            ["user-data"] = new string('#', MetadataLimits.MaxFileBytes + 1),
        });

        var error = Assert.Throws<MetadataException>(() => MetadataDisc.Read(disc));

        Assert.Contains("at most", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Writes the files and runs genisoimage as cloud-localds does: -J -R with the given volume label.</summary>
    private async Task<string> MakeDiscAsync(string label, Dictionary<string, string> files)
    {
        var root = Directory.CreateDirectory(_temp.Combine($"src-{Guid.NewGuid():N}")).FullName;
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }

        var image = _temp.Combine($"{label}-{Guid.NewGuid():N}.iso");
        await Requirements.RunToolAsync("genisoimage", ["-quiet", "-output", image, "-volid", label, "-joliet", "-rock", root]);
        return image;
    }
}
