using System.Text;
using Jumpstart.Shared.Iso9660;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Tests.Metadata;

/// <summary>A malformed metadata disc: its volume label and files (path to text), and a phrase its one-line error must hold.</summary>
public sealed record HostileDisc(string Name, string Label, IReadOnlyDictionary<string, string> Files, string Expected)
{
    /// <summary>The ISO 9660 image, made with our writer so the content reaches the metadata readers unchanged.</summary>
    public byte[] Image() => HostileMetadata.Image(Label, Files);

    public override string ToString() => Name;
}

/// <summary>A malformed description or deployment spec: its file name (the extension picks JSON or YAML), text and expected phrase.</summary>
public sealed record HostileDocument(string Name, string FileName, string Text, string Expected)
{
    public bool IsYaml => FileName.EndsWith(".yaml", StringComparison.Ordinal) || FileName.EndsWith(".yml", StringComparison.Ordinal);

    public override string ToString() => Name;
}

/// <summary>
/// The corpus of issue 13: malformed discs, clone descriptions and deployment specs, generated here at run time (no
/// committed data). Each is an attack that once ended guestd's service or the CLI with an unhandled exception or a
/// stack overflow: duplicate keys, a list or a scalar where a mapping belongs, numbers where links belong, YAML nested
/// 30,000 deep (60 KB) and alias bombs.
/// </summary>
public static class HostileMetadata
{
    /// <summary>Levels of the deep documents: 60 KB of "- " or "[" overflowed YamlDotNet's recursive model builder.</summary>
    public const int DeepLevels = 30_000;

    private const string JumpstartFile = MetadataDisc.MetadataFileName;
    private const string ConfigDriveMeta = "openstack/latest/meta_data.json";
    private const string ConfigDriveNetwork = "openstack/latest/network_data.json";
    private const string ValidMetaData = "instance-id: i-hostile\nlocal-hostname: hostile\n";
    private const string ValidConfigDriveMeta = """{ "uuid": "u-hostile", "hostname": "hostile" }""";

    /// <summary>YAML block sequences nested <paramref name="levels"/> deep ("- - - ... x").</summary>
    public static string DeepBlockYaml(int levels = DeepLevels) => string.Concat(Enumerable.Repeat("- ", levels)) + "x\n";

    /// <summary>YAML flow mappings nested <paramref name="levels"/> deep ("{a: {a: ... 1}}").</summary>
    public static string DeepFlowYaml(int levels = DeepLevels) => string.Concat(Enumerable.Repeat("{a: ", levels)) + "1" + new string('}', levels) + "\n";

    /// <summary>JSON arrays nested <paramref name="levels"/> deep.</summary>
    public static string DeepJson(int levels = DeepLevels) => new string('[', levels) + new string(']', levels);

    /// <summary>Ten levels of ten aliases each: 10^10 nodes once expanded, from under 1 KB.</summary>
    public static string AliasBomb()
    {
        var text = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var level = 1; level <= 10; level++)
        {
            text.Append($"l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }

        return text.ToString();
    }

    public static IReadOnlyList<HostileDisc> Discs { get; } =
    [
        Jumpstart("jumpstart-duplicate-key", """{ "schemaVersion": "1.0", "instanceId": "i-1", "instanceId": "i-2", "hostname": "h" }""", "Duplicate property 'instanceId'"),
        Jumpstart("jumpstart-root-list", """[ { "schemaVersion": "1.0" } ]""", "is not a JSON object"),
        Jumpstart("jumpstart-interfaces-scalar", """{ "schemaVersion": "1.0", "instanceId": "i-1", "hostname": "h", "interfaces": 5 }""", "is malformed"),
        Jumpstart("jumpstart-interface-null", """{ "schemaVersion": "1.0", "instanceId": "i-1", "hostname": "h", "interfaces": [ null ] }""", "interfaces[0] is empty"),
        Jumpstart("jumpstart-deep-json", DeepJson(), "not valid JSON"),
        Jumpstart("jumpstart-lone-surrogate", """{ "schemaVersion": "1.0", "instanceId": "i-1", "hostname": "h", "interfaces": [ { "matchName": "eth0", "dnsSearch": [ "\ud800" ] } ] }""", "half of a UTF-16 surrogate pair"),
        Jumpstart("jumpstart-lone-surrogate-key", """{ "schemaVersion": "1.0", "instanceId": "i-1", "hostname": "h", "\udc00": 1 }""", "half of a UTF-16 surrogate pair"),
        NoCloud("nocloud-meta-data-list", "- instance-id\n- i-1\n", null, "a list is where a mapping"),
        NoCloud("nocloud-meta-data-scalar", "just a sentence\n", null, "a single value is where a mapping"),
        NoCloud("nocloud-meta-data-duplicate-key", "instance-id: i-1\ninstance-id: i-2\n", null, "'instance-id' twice"),
        NoCloud("nocloud-meta-data-deep", DeepBlockYaml(), null, "nested more than"),
        NoCloud("nocloud-meta-data-alias-bomb", "instance-id: i-1\n" + AliasBomb(), null, "holds more than"),
        NoCloud("nocloud-network-config-list", ValidMetaData, "- version\n- 1\n", "a list is where a mapping"),
        NoCloud("nocloud-network-config-v1-config-scalar", ValidMetaData, "version: 1\nconfig: 5\n", "'config' must be a list"),
        NoCloud("nocloud-network-config-v1-numbers", ValidMetaData, "version: 1\nconfig: [1, 2, 3]\n", "a single value is where a mapping"),
        NoCloud("nocloud-network-config-v2-ethernets-list", ValidMetaData, "version: 2\nethernets: [eth0, eth1]\n", "'ethernets' must be a mapping"),
        NoCloud("nocloud-network-config-v2-nic-scalar", ValidMetaData, "version: 2\nethernets:\n  eth0: 5\n", "a single value is where a mapping"),
        NoCloud("nocloud-network-config-deep-flow", ValidMetaData, DeepFlowYaml(), "nested more than"),
        ConfigDrive("configdrive-meta-list", "[ \"u-1\" ]", null, "a list is where a mapping"),
        ConfigDrive("configdrive-meta-duplicate-key", """{ "uuid": "u-1", "uuid": "u-2" }""", null, "Duplicate property 'uuid'"),
        ConfigDrive("configdrive-links-numbers", ValidConfigDriveMeta, """{ "links": [ 1, 2, 3 ] }""", "a single value is where a mapping"),
        ConfigDrive("configdrive-networks-scalar", ValidConfigDriveMeta, """{ "links": [], "networks": "eth0" }""", "'networks' must be a list"),
        ConfigDrive("configdrive-network-data-list", ValidConfigDriveMeta, """[ { "links": [] } ]""", "a list is where a mapping"),
        ConfigDrive("configdrive-network-data-deep", ValidConfigDriveMeta, DeepJson(), "not valid JSON"),
    ];

    /// <summary>Descriptions for <c>jumpstart iso build --from</c>.</summary>
    public static IReadOnlyList<HostileDocument> Descriptions { get; } =
    [
        new("description-deep-block-yaml", "deep.yaml", DeepBlockYaml(), "nested more than"),
        new("description-deep-flow-yaml", "deep-flow.yaml", DeepFlowYaml(), "nested more than"),
        new("description-deep-json", "deep.json", DeepJson(), "not valid JSON"),
        new("description-alias-bomb", "bomb.yaml", "instanceId: i-1\nhostname: h\n" + AliasBomb(), "holds more than"),
        new("description-duplicate-key-yaml", "dup.yaml", "instanceId: i-1\nhostname: h\ninstanceId: i-2\n", "'instanceId' twice"),
        new("description-duplicate-key-json", "dup.json", """{ "instanceId": "i-1", "hostname": "h", "instanceId": "i-2" }""", "Duplicate property 'instanceId'"),
        new("description-root-list", "list.yaml", "- instanceId: i-1\n- hostname: h\n", "is not a JSON object"),
        new("description-interfaces-scalar", "scalar.yaml", "instanceId: i-1\nhostname: h\ninterfaces: eth0\n", "is malformed"),
        new("description-interfaces-numbers", "numbers.yaml", "instanceId: i-1\nhostname: h\ninterfaces: [1, 2]\n", "is malformed"),
        new("description-interface-null", "null.yaml", "instanceId: i-1\nhostname: h\ninterfaces: [~]\n", "interfaces[0] is empty"),
        new("description-lone-surrogate-json", "surrogate.json", """{ "instanceId": "i-1", "hostname": "h", "userData": { "a": "\ud800" } }""", "half of a UTF-16 surrogate pair"),
        new("description-lone-surrogate-yaml", "surrogate.yaml", "instanceId: i-1\nhostname: \"\\ud800\"\nuserData: {a: \"\\udc00\"}\n", "not valid YAML"),
        new("description-route-null", "route.json", """{ "instanceId": "i-1", "hostname": "h", "interfaces": [ { "matchName": "eth0", "routes": [ null ] } ] }""", "routes[0] is empty"),
    ];

    /// <summary>Deployment specs for <c>jumpstart deployment create --spec</c>.</summary>
    public static IReadOnlyList<HostileDocument> Specs { get; } =
    [
        new("spec-deep-block-yaml", "deep.yaml", DeepBlockYaml(), "nested more than"),
        new("spec-deep-flow-yaml", "deep-flow.yml", DeepFlowYaml(), "nested more than"),
        new("spec-deep-json", "deep.json", DeepJson(), "not a deployment spec"),
        new("spec-alias-bomb", "bomb.yaml", "deploymentId: d\n" + AliasBomb(), "holds more than"),
        new("spec-duplicate-key-yaml", "dup.yaml", "deploymentId: d1\ndeploymentId: d2\n", "'deploymentId' twice"),
        new("spec-duplicate-key-json", "dup.json", """{ "deploymentId": "d1", "deploymentId": "d2" }""", "not a deployment spec"),
        new("spec-root-list", "list.yaml", "- deploymentId: d1\n", "not a deployment spec"),
        new("spec-instances-scalar", "scalar.yaml", "deploymentId: d1\npolicy: {kind: all-same}\ninstances: many\n", "not a deployment spec"),
        new("spec-policy-list", "policy.json", """{ "deploymentId": "d1", "policy": [ "master-workers" ], "instances": [] }""", "not a deployment spec"),
    ];

    /// <summary>An ISO 9660 image labelled <paramref name="label"/> holding <paramref name="files"/> (UTF-8 text).</summary>
    public static byte[] Image(string label, IReadOnlyDictionary<string, string> files)
    {
        var builder = new IsoImageBuilder(label, DateTimeOffset.UnixEpoch);
        foreach (var (path, text) in files)
        {
            builder.AddFile(path, Encoding.UTF8.GetBytes(text));
        }

        using var image = new MemoryStream();
        builder.Build(image);
        return image.ToArray();
    }

    private static HostileDisc Jumpstart(string name, string metadataJson, string expected)
        => new(name, MetadataDisc.JumpstartLabel, new Dictionary<string, string> { [JumpstartFile] = metadataJson }, expected);

    private static HostileDisc NoCloud(string name, string metaData, string? networkConfig, string expected)
    {
        var files = new Dictionary<string, string> { ["meta-data"] = metaData };
        if (networkConfig is not null)
        {
            files["network-config"] = networkConfig;
        }

        return new(name, "cidata", files, expected);
    }

    private static HostileDisc ConfigDrive(string name, string metaData, string? networkData, string expected)
    {
        var files = new Dictionary<string, string> { [ConfigDriveMeta] = metaData };
        if (networkData is not null)
        {
            files[ConfigDriveNetwork] = networkData;
        }

        return new(name, "config-2", files, expected);
    }
}
