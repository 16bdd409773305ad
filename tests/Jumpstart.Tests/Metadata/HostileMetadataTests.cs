using System.Text.Json.Nodes;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Metadata;

/// <summary>
/// The corpus of malformed discs, descriptions and specs read in-process: each ends in the area's typed error with
/// a message that names the problem, and the YAML reader's limits hold while it reads, not after.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Metadata)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class HostileMetadataTests
{
    public static TheoryData<string> DiscNames => [.. HostileMetadata.Discs.Select(d => d.Name)];

    public static TheoryData<string> DescriptionNames => [.. HostileMetadata.Descriptions.Select(d => d.Name)];

    public static TheoryData<string> SpecNames => [.. HostileMetadata.Specs.Select(d => d.Name)];

    [Theory]
    [MemberData(nameof(DiscNames))]
    public void Read_HostileDisc_ThrowsMetadataExceptionNamingTheProblem(string name)
    {
        var disc = HostileMetadata.Discs.Single(d => d.Name == name);

        var error = Assert.Throws<MetadataException>(() => MetadataDisc.Read(new MemoryStream(disc.Image())));

        Assert.Contains(disc.Expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DescriptionNames))]
    public void Parse_HostileDescription_ThrowsMetadataExceptionNamingTheProblem(string name)
    {
        var description = HostileMetadata.Descriptions.Single(d => d.Name == name);

        var error = Assert.Throws<MetadataException>(() => MetadataDescription.Parse(description.Text, description.IsYaml));

        Assert.Contains(description.Expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SpecNames))]
    public void Parse_HostileSpec_ThrowsInvalidDataExceptionNamingTheProblem(string name)
    {
        var spec = HostileMetadata.Specs.Single(d => d.Name == name);

        var error = Assert.Throws<InvalidDataException>(() => spec.IsYaml ? DeploymentSpecFile.ParseYaml(spec.Text, spec.FileName) : DeploymentSpecFile.Parse(spec.Text, spec.FileName));

        Assert.Contains(spec.Expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UserDataWithALoneSurrogate_IsKeptAsText_AndPrints()
    {
        const string UserData = """{ "role": "\ud800" }""";
        var image = HostileMetadata.Image("cidata", new Dictionary<string, string> { ["meta-data"] = "instance-id: i-1\n", ["user-data"] = UserData });

        var metadata = MetadataDisc.Read(new MemoryStream(image));

        Assert.Equal(System.Text.Json.JsonValueKind.String, metadata.UserData?.ValueKind);
        Assert.Equal(UserData, metadata.UserData?.GetString());
        Assert.Contains("\\ud800", System.Text.Json.JsonSerializer.Serialize(metadata, MetadataJson.Options), StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_NestedToTheLimit_IsRead_AndOneLevelMoreIsNot()
    {
        // The root is level 0: MaxYamlDepth nested sequences put the scalar exactly at the limit.
        var atLimit = YamlJson.Parse(HostileMetadata.DeepBlockYaml(MetadataLimits.MaxYamlDepth), "at-limit");
        var error = Assert.Throws<MetadataException>(() => YamlJson.Parse(HostileMetadata.DeepBlockYaml(MetadataLimits.MaxYamlDepth + 1), "past-limit"));

        Assert.IsType<JsonArray>(atLimit);
        Assert.Contains($"nested more than {MetadataLimits.MaxYamlDepth} levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_MillionLevelsDeep_IsRefusedWithoutOverflowingTheStack()
    {
        // 2 MB of "- ": the old reader built YamlDotNet's model recursively and died at a tenth of this.
        var error = Assert.Throws<MetadataException>(() => YamlJson.Parse(HostileMetadata.DeepBlockYaml(1_000_000), "deep"));

        Assert.Contains("nested more than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_AnchorsAndAliases_AreExpandedAndCounted()
    {
        var document = YamlJson.Parse("base: &b {mtu: 1400, dhcp: true}\neth0: *b\neth1: *b\n", "aliases")!;

        Assert.Equal(1400, document["eth1"]!["mtu"]!.GetValue<long>());
        Assert.True(document["eth0"]!["dhcp"]!.GetValue<bool>());
        Assert.NotSame(document["eth0"], document["eth1"]);

        // Each alias costs the three nodes it copies: 1 root + 3 + 3 + 3 = 10.
        Assert.NotNull(YamlJson.Parse("base: &b {mtu: 1400, dhcp: true}\neth0: *b\neth1: *b\n", "budget", maxNodes: 10));
        Assert.Throws<MetadataException>(() => YamlJson.Parse("base: &b {mtu: 1400, dhcp: true}\neth0: *b\neth1: *b\n", "budget", maxNodes: 9));
    }

    [Fact]
    public void Yaml_AliasThatReachesPastTheDepthLimit_IsRefused()
    {
        // The anchored value sits at level 1 and reaches 63 levels below itself: level 64, the limit. Copied one level
        // deeper it would reach level 65.
        const int Height = MetadataLimits.MaxYamlDepth - 1;
        var anchor = $"a: &deep {new string('[', Height)}x{new string(']', Height)}\n";

        Assert.NotNull(YamlJson.Parse(anchor + "b: *deep\n", "alias-depth"));
        var error = Assert.Throws<MetadataException>(() => YamlJson.Parse(anchor + "b: [*deep]\n", "alias-depth"));

        Assert.Contains("nested more than", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a: &x [1, *x]\n", "before it is complete")]
    [InlineData("? [a, b]\n: c\n", "not a plain string")]
    [InlineData("? {a: 1}\n: c\n", "not a plain string")]
    [InlineData("&k a: 1\n*k : 2\n", "not a plain string")]
    [InlineData("a: 1\nb: 2\na: 3\n", "'a' twice")]
    [InlineData("a: [1, 2\n", "not valid YAML")]
    public void Yaml_Malformed_ThrowsMetadataException(string text, string expected)
        => Assert.Contains(expected, Assert.Throws<MetadataException>(() => YamlJson.Parse(text, "doc")).Message, StringComparison.Ordinal);

    [Fact]
    public void Yaml_OnlyTheFirstDocumentIsRead()
    {
        var document = YamlJson.Parse("---\na: 1\n---\n[unclosed\n", "documents");

        Assert.Equal(1, document!["a"]!.GetValue<long>());
        Assert.Null(YamlJson.Parse("# only a comment\n", "empty"));
    }

    [Fact]
    public void Yaml_ScalarsFollowTheCoreSchema_OrStayStringsWhenAsked()
    {
        var typed = YamlJson.Parse("n: 12\nb: true\nz: ~\ns: '12'\nt: !!str 13\n", "typed")!;
        var plain = YamlJson.Parse("n: 12\nb: true\nz: ~\n", "plain", typedScalars: false)!;

        Assert.Equal(12, typed["n"]!.GetValue<long>());
        Assert.True(typed["b"]!.GetValue<bool>());
        Assert.Null(typed["z"]);
        Assert.Equal("12", typed["s"]!.GetValue<string>());
        Assert.Equal("13", typed["t"]!.GetValue<string>());
        Assert.Equal("12", plain["n"]!.GetValue<string>());
        Assert.Equal("true", plain["b"]!.GetValue<string>());
        Assert.Null(plain["z"]);
    }
}
