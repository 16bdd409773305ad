using System.Text;
using System.Text.Json;
using Jumpstart.Shared.Iso9660;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Metadata;

[Trait(Capabilities.Trait, Capabilities.Metadata)]
public sealed class MetadataDiscTests : IDisposable
{
    private readonly TempDirectory _temp = new("metadata");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void WriteThenRead_KeepsEveryField()
    {
        var original = MetadataSamples.Full();

        var read = MetadataDisc.Read(MetadataSamples.Disc(original));

        Assert.Equal(MetadataSource.Jumpstart, read.Source);
        Assert.Equal(original.InstanceId, read.InstanceId);
        Assert.Equal(original.DeploymentId, read.DeploymentId);
        Assert.Equal(original.Hostname, read.Hostname);
        Assert.Equal(original.Cms, read.Cms);
        Assert.Equal(original.HostTime, read.HostTime);
        Assert.Equal(original.RandomSeed, read.RandomSeed);
        Assert.Equal(original.SelfScript, read.SelfScript);
        Assert.True(JsonElement.DeepEquals(original.UserData!.Value, read.UserData!.Value));
        Assert.Equal(2, read.Interfaces.Count);
        var nic = read.Interfaces[0];
        Assert.Equal(original.Interfaces[0].Addresses, nic.Addresses);
        Assert.Equal(original.Interfaces[0].Routes, nic.Routes);
        Assert.Equal(original.Interfaces[0].DnsServers, nic.DnsServers);
        Assert.Equal(original.Interfaces[0].DnsSearch, nic.DnsSearch);
        Assert.Equal((original.Interfaces[0].MatchMac, original.Interfaces[0].Mac, original.Interfaces[0].Name, original.Interfaces[0].Gateway, original.Interfaces[0].Mtu), (nic.MatchMac, nic.Mac, nic.Name, nic.Gateway, nic.Mtu));
        Assert.True(read.Interfaces[1].Dhcp);
        Assert.Equal("eth1", read.Interfaces[1].MatchName);
    }

    [Fact]
    public void Write_SameInputTwice_GivesIdenticalBytes()
    {
        var first = MetadataSamples.Disc(MetadataSamples.Full()).ToArray();
        var second = MetadataSamples.Disc(MetadataSamples.Full()).ToArray();

        Assert.Equal(first, second);
        Assert.NotEqual(first, MetadataSamples.Disc(MetadataSamples.Full() with { HostTime = DateTimeOffset.UnixEpoch.AddDays(1) }).ToArray());
    }

    [Fact]
    public void Write_PutsLabelJsonAndExecutableSelfScriptOnTheDisc()
    {
        using var iso = IsoImage.Open(MetadataSamples.Disc(MetadataSamples.Full()));

        Assert.Equal(MetadataDisc.JumpstartLabel, iso.VolumeLabel);
        var self = iso.Find(MetadataDisc.SelfFileName);
        Assert.NotNull(self);
        Assert.Equal(0x1C0, self.Mode);
        Assert.Equal(MetadataSamples.Full().SelfScript, Encoding.UTF8.GetString(iso.ReadFile(self)));
        using var json = JsonDocument.Parse(iso.ReadFile(MetadataDisc.MetadataFileName));
        Assert.Equal(CloneMetadata.CurrentSchemaVersion, json.RootElement.GetProperty("schemaVersion").GetString());
        Assert.Equal("worker-42.cluster.local", json.RootElement.GetProperty("hostname").GetString());
    }

    [Fact]
    public void WriteFile_ReplacesAtomicallyAndLeavesNoTempFiles()
    {
        var path = _temp.Combine("clone.iso");
        File.WriteAllText(path, "old");

        MetadataDisc.WriteFile(MetadataSamples.Full(), path);

        Assert.Equal("i-0042", MetadataDisc.Read(path).InstanceId);
        Assert.Single(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void WriteFile_InvalidMetadata_KeepsTheOldFile()
    {
        var path = _temp.Combine("clone.iso");
        File.WriteAllText(path, "old");

        Assert.Throws<MetadataException>(() => MetadataDisc.WriteFile(MetadataSamples.Full() with { Hostname = "bad host" }, path));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_temp.Path));
    }

    [Theory]
    [InlineData("2.0")]
    [InlineData("0.9")]
    [InlineData("17.3")]
    public void Read_UnknownMajorSchemaVersion_IsRejectedWithAClearMessage(string version)
    {
        var disc = DiscWithJson(JsonSerializer.Serialize(MetadataSamples.Full() with { SchemaVersion = "1.0" }, MetadataJson.Options)
            .Replace("\"schemaVersion\": \"1.0\"", $"\"schemaVersion\": \"{version}\"", StringComparison.Ordinal));

        var error = Assert.Throws<MetadataException>(() => MetadataDisc.Read(disc));

        Assert.Contains($"schema version {version} is not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NewerMinorVersionWithUnknownFields_IsAccepted()
    {
        var json = JsonSerializer.Serialize(MetadataSamples.Full(), MetadataJson.Options)
            .Replace("\"schemaVersion\": \"1.0\"", "\"schemaVersion\": \"1.7\", \"futureField\": {\"x\": 1}", StringComparison.Ordinal);

        var read = MetadataDisc.Read(DiscWithJson(json));

        Assert.Equal("1.7", read.SchemaVersion);
    }

    [Theory]
    [InlineData("{}", "no schemaVersion")]
    [InlineData("{\"schemaVersion\": \"1.0\"}", "malformed")]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("{\"schemaVersion\": \"1.0\", \"instanceId\": \"a\", \"hostname\": \"h\", \"interfaces\": null}", "malformed")]
    [InlineData("not json", "not valid JSON")]
    public void Read_MalformedJson_ThrowsMetadataException(string json, string expected)
    {
        var error = Assert.Throws<MetadataException>(() => MetadataDisc.Read(DiscWithJson(json)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ForeignLabel_SaysWhichLabelsAreExpected()
    {
        var builder = new IsoImageBuilder("UBUNTU_22_04", DateTimeOffset.UnixEpoch);
        builder.AddFile("readme", "x"u8.ToArray());
        var stream = new MemoryStream(builder.BuildImage());

        var error = Assert.Throws<MetadataException>(() => MetadataDisc.Read(stream));

        Assert.Contains("'UBUNTU_22_04' is not a metadata disc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NotAnIsoImage_ThrowsMetadataException()
    {
        var error = Assert.Throws<MetadataException>(() => MetadataDisc.Read(new MemoryStream(new byte[64 * 1024])));

        Assert.IsType<IsoFormatException>(error.InnerException);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => MetadataDisc.Read(_temp.Combine("absent.iso")));
    }

    [ToolFact("losetup", NeedsRoot = true)]
    public async Task Read_FromABlockDevice_Works()
    {
        var path = _temp.Combine("clone.iso");
        MetadataDisc.WriteFile(MetadataSamples.Full(), path);
        var device = (await Requirements.RunToolAsync("losetup", ["--find", "--show", "--read-only", path])).StandardOutput.Trim();
        try
        {
            Assert.Equal("i-0042", MetadataDisc.Read(device).InstanceId);
        }
        finally
        {
            await Requirements.RunToolAsync("losetup", ["--detach", device]);
        }
    }

    private static MemoryStream DiscWithJson(string json)
    {
        var builder = new IsoImageBuilder(MetadataDisc.JumpstartLabel, DateTimeOffset.UnixEpoch);
        builder.AddFile(MetadataDisc.MetadataFileName, Encoding.UTF8.GetBytes(json));
        return new MemoryStream(builder.BuildImage());
    }
}
