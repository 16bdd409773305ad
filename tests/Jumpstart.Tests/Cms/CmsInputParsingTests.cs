using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Jumpstart.Hostd.Cms;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cms;

/// <summary>What operators type: endpoints and spec files.</summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
public sealed class CmsInputParsingTests
{
    [Theory]
    [InlineData("127.0.0.1:7070", "127.0.0.1:7070")]
    [InlineData("0.0.0.0:0", "0.0.0.0:0")]
    [InlineData("[::1]:7070", "[::1]:7070")]
    public void ParseListen_AddressWithPort_IsAccepted(string text, string expected)
        => Assert.Equal(expected, CmsEndPoints.ParseListen(text).ToString());

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("localhost:7070")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("")]
    public void ParseListen_WithoutAnIpAndPort_ThrowsFormatException(string text)
        => Assert.Throws<FormatException>(() => CmsEndPoints.ParseListen(text));

    [Fact]
    public void ParseClient_AcceptsIpHostAndUnixForms()
    {
        Assert.IsType<IPEndPoint>(CmsEndPoints.ParseClient("10.0.0.1:7070"));
        var dns = Assert.IsType<DnsEndPoint>(CmsEndPoints.ParseClient("cms.example:7070"));
        Assert.Equal(("cms.example", 7070), (dns.Host, dns.Port));
        Assert.Equal("/run/jumpstart/cms.sock", Assert.IsType<UnixDomainSocketEndPoint>(CmsEndPoints.ParseClient("unix:/run/jumpstart/cms.sock")).ToString());
        Assert.IsType<UnixDomainSocketEndPoint>(CmsEndPoints.ParseClient("/run/jumpstart/cms.sock"));
        Assert.Throws<FormatException>(() => CmsEndPoints.ParseClient("no port here"));
    }

    [Fact]
    public async Task SpecFile_JsonAndYaml_ReadTheSame()
    {
        using var directory = new TempDirectory("cms-spec");
        var json = directory.Combine("d.json");
        var yaml = directory.Combine("d.yml");
        await File.WriteAllTextAsync(json, """
            { "deploymentId": "d1", "policy": { "kind": "external", "executable": "/usr/local/bin/policy", "timeoutMs": 500 },
              "instances": [ { "instanceId": "a", "token": "ta", "rank": 2 } ],
              "roles": { "*": { "files": [ { "path": "/etc/x", "content": "${ROLE}" } ], "commands": [ ["/bin/true", "--flag"] ] } } }
            """);
        await File.WriteAllTextAsync(yaml, """
            deploymentId: d1
            policy: { kind: external, executable: /usr/local/bin/policy, timeoutMs: 500 }
            instances:
              - { instanceId: a, token: ta, rank: 2 }
            roles:
              "*":
                files: [ { path: /etc/x, content: "${ROLE}" } ]
                commands: [ [/bin/true, --flag] ]
            """);

        var fromJson = await DeploymentSpecFile.LoadAsync(json, CancellationToken.None);
        var fromYaml = await DeploymentSpecFile.LoadAsync(yaml, CancellationToken.None);

        Assert.Equal(JsonSerializer.Serialize(fromJson), JsonSerializer.Serialize(fromYaml));
        Assert.Equal(500, fromYaml.Policy.TimeoutMs);
        Assert.Equal(2, fromYaml.Instances[0].Rank);
        Assert.Equal("0644", fromYaml.Roles["*"].Files[0].Mode);
    }

    [Theory]
    [InlineData("d.json", "{ \"deploymentId\": \"d1\" }")]
    [InlineData("d.json", "[1, 2")]
    [InlineData("d.yaml", "deploymentId: d1\npolicy: [\n")]
    [InlineData("d.yaml", "deploymentId: d1\ninstances: many\n")]
    public async Task SpecFile_NotASpec_ThrowsInvalidDataException(string name, string content)
    {
        using var directory = new TempDirectory("cms-spec");
        var path = directory.Combine(name);
        await File.WriteAllTextAsync(path, content);

        await Assert.ThrowsAsync<InvalidDataException>(() => DeploymentSpecFile.LoadAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task SpecFile_LargerThanTheLimit_IsRefusedBeforeReading()
    {
        using var directory = new TempDirectory("cms-spec");
        var path = directory.Combine("huge.json");
        await using (var file = File.Create(path))
        {
            file.SetLength(DeploymentSpecFile.MaxFileBytes + 1);
        }

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => DeploymentSpecFile.LoadAsync(path, CancellationToken.None));

        Assert.Contains("larger than", ex.Message, StringComparison.Ordinal);
    }
}
