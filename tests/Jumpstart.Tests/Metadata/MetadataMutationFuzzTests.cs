using System.Diagnostics;
using System.Text.Json;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Metadata;

/// <summary>
/// The layers above ISO 9660 under thousands of seeded mutations (as <c>IsoMutationFuzzTests</c> does for the layer
/// below): every mutant of a valid metadata.json, meta-data, network-config, meta_data.json, network_data.json,
/// description or deployment spec either reads or ends in the area's typed error (<see cref="MetadataException"/>;
/// for specs <see cref="InvalidDataException"/>, then the CMS's <see cref="CmsException"/>), never any other
/// exception, a hang or a crash.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Metadata)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class MetadataMutationFuzzTests(ITestOutputHelper output)
{
    private const int Iterations = 4_000;
    private const int MinimumIterations = 1_000;

    /// <summary>Fixed, so failures reproduce; JUMPSTART_FUZZ_SEED picks another for a soak run.</summary>
    private static readonly int s_seed = int.TryParse(Environment.GetEnvironmentVariable("JUMPSTART_FUZZ_SEED"), out var seed) ? seed : 20_251_206;
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(60);

    private const string ConfigDriveMeta = "openstack/latest/meta_data.json";
    private const string ConfigDriveNetwork = "openstack/latest/network_data.json";
    private const string MetaData = "instance-id: iid-local01\nlocal-hostname: cloudimg\nhostname: other\n";

    private const string NetworkConfigV2 = """
        network:
          version: 2
          ethernets:
            id0:
              match:
                macaddress: "52:54:00:12:34:56"
              set-name: lan0
              addresses: [10.1.2.3/24, "fd00::3/64"]
              gateway4: 10.1.2.1
              gateway6: "fd00::1"
              mtu: 9000
              nameservers:
                addresses: [10.1.2.1]
                search: [lan]
              routes:
                - to: 10.9.0.0/16
                  via: 10.1.2.254
                  metric: 7
            eth1:
              dhcp4: true
              dhcp6: no
        """;

    private const string MetaDataJson = """{ "uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "hostname": "test.novalocal", "name": "test", "random_seed": "AAECAwQFBgc=" }""";

    private const string NetworkDataJson = """
        {
          "links": [
            { "id": "tap1", "type": "phy", "ethernet_mac_address": "FA:16:3E:9C:BF:3D", "mtu": 1450 },
            { "id": "tap2", "type": "ovs", "ethernet_mac_address": "fa:16:3e:00:00:02", "name": "eth1" }
          ],
          "networks": [
            { "id": "n1", "type": "ipv4", "link": "tap1", "ip_address": "10.0.0.5", "netmask": "255.255.255.0",
              "routes": [ { "network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.0.1" },
                          { "network": "10.8.0.0", "netmask": "255.255.0.0", "gateway": "10.0.0.254" } ],
              "dns_nameservers": [ "10.0.0.2" ] },
            { "id": "n2", "type": "ipv4_dhcp", "link": "tap2" }
          ],
          "services": [ { "type": "dns", "address": "8.8.8.8" } ]
        }
        """;

    private const string SpecYaml = """
        deploymentId: hadoop
        policy: {kind: master-workers, masterSelection: lowest-rank}
        instances:
          - {instanceId: nn, token: token-nn-0123456789, rank: 0}
          - {instanceId: dn1, token: token-dn1-0123456789, rank: 1}
        roles:
          worker:
            files:
              - {path: /etc/hadoop/master, mode: "0644", content: "${MASTER_ADDRESS}\n"}
            commands:
              - [/usr/bin/systemctl, restart, hadoop-datanode]
        """;

    [Fact]
    public void Mutations_OfAJumpstartDiscsMetadataJson_OnlyEverThrowMetadataException()
        => Fuzz(JsonSerializer.Serialize(MetadataSamples.Full(), MetadataJson.Options), yaml: false, s_seed,
            text => ReadDisc(MetadataDisc.JumpstartLabel, (MetadataDisc.MetadataFileName, text)));

    [Fact]
    public void Mutations_OfNoCloudMetaData_OnlyEverThrowMetadataException()
        => Fuzz(MetaData, yaml: true, s_seed + 1, text => ReadDisc("cidata", ("meta-data", text), ("network-config", MetadataSamples.NetworkConfigV1)));

    [Fact]
    public void Mutations_OfNoCloudNetworkConfigV1_OnlyEverThrowMetadataException()
        => Fuzz(MetadataSamples.NetworkConfigV1, yaml: true, s_seed + 2, text => ReadDisc("cidata", ("meta-data", MetaData), ("network-config", text)));

    [Fact]
    public void Mutations_OfNoCloudNetworkConfigV2_OnlyEverThrowMetadataException()
        => Fuzz(NetworkConfigV2, yaml: true, s_seed + 3, text => ReadDisc("cidata", ("meta-data", MetaData), ("network-config", text)));

    [Fact]
    public void Mutations_OfConfigDriveMetaDataJson_OnlyEverThrowMetadataException()
        => Fuzz(MetaDataJson, yaml: false, s_seed + 4, text => ReadDisc("config-2", (ConfigDriveMeta, text), (ConfigDriveNetwork, NetworkDataJson)));

    [Fact]
    public void Mutations_OfConfigDriveNetworkDataJson_OnlyEverThrowMetadataException()
        => Fuzz(NetworkDataJson, yaml: false, s_seed + 5, text => ReadDisc("config-2", (ConfigDriveMeta, MetaDataJson), (ConfigDriveNetwork, text)));

    [Fact]
    public void Mutations_OfAYamlDescription_OnlyEverThrowMetadataException()
        => Fuzz(MetadataSamples.YamlDescription, yaml: true, s_seed + 6, text => MetadataDescription.Parse(text, yaml: true));

    [Fact]
    public void Mutations_OfAJsonDescription_OnlyEverThrowMetadataException()
        => Fuzz(JsonSerializer.Serialize(MetadataSamples.Full(), MetadataJson.Options), yaml: false, s_seed + 7, text => MetadataDescription.Parse(text, yaml: false));

    [Fact]
    public void Mutations_OfAYamlDeploymentSpec_OnlyEverThrowInvalidDataOrCmsException()
        => Fuzz(SpecYaml, yaml: true, s_seed + 8, text => ValidatedSpec(DeploymentSpecFile.ParseYaml(text, "spec.yaml")));

    [Fact]
    public void Mutations_OfAJsonDeploymentSpec_OnlyEverThrowInvalidDataOrCmsException()
        => Fuzz(JsonSerializer.Serialize(DeploymentSpecFile.ParseYaml(SpecYaml, "seed"), JsonSerializerOptions.Web), yaml: false, s_seed + 9,
            text => ValidatedSpec(DeploymentSpecFile.Parse(text, "spec.json")));

    private static CloneMetadata ReadDisc(string label, params (string Path, string Text)[] files)
        => MetadataDisc.Read(new MemoryStream(HostileMetadata.Image(label, files.ToDictionary(f => f.Path, f => f.Text))));

    /// <summary>A spec that parses is then judged as the CMS judges it; it may refuse it only with its typed error.</summary>
    private static DeploymentSpec ValidatedSpec(DeploymentSpec spec)
    {
        DeploymentSpecValidator.Validate(spec);
        return spec;
    }

    /// <summary>The typed errors of the readers: a mutant may end in one of these, or read.</summary>
    private static bool IsTyped(Exception ex) => ex is MetadataException or InvalidDataException or CmsException;

    private void Fuzz(string original, bool yaml, int seed, Func<string, object> read)
    {
        // The seed itself reads, so the mutants start from a document that reaches every reader.
        Assert.NotNull(read(original));
        var random = new Random(seed);
        var mutator = new DocumentMutator(original, yaml, random);
        var clock = Stopwatch.StartNew();
        var done = 0;
        var refused = 0;
        for (; done < Iterations && clock.Elapsed < s_budget; done++)
        {
            var mutant = mutator.Next();
            try
            {
                read(mutant);
            }
            catch (Exception ex) when (IsTyped(ex))
            {
                refused++;
            }
            catch (Exception ex)
            {
                var shown = mutant.Length > 600 ? mutant[..600] + "..." : mutant;
                Assert.Fail($"iteration {done} (seed {seed}): {ex.GetType().Name}: {ex.Message}\n--- mutant ---\n{shown}\n--- stack ---\n{ex.StackTrace}");
            }
        }

        output.WriteLine($"seed {seed}: {done} mutants in {clock.Elapsed.TotalSeconds:F1} s, {refused} refused with the typed error, {done - refused} read");
        Assert.True(done >= MinimumIterations, $"only {done} iterations ran within {s_budget}");

        // Both outcomes occur: a fuzzer whose every mutant is refused only ever exercises the syntax.
        Assert.InRange(refused, 1, done - 1);
    }
}
