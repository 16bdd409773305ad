using System.Text.Json;
using System.Runtime.Versioning;
using Jumpstart.Shared.Cli;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// <c>cluster init</c>, tokens and <c>cluster join</c> with CA pinning between real hostd processes in namespaces:
/// host-a is the manager; host-c stays outside (every refusal is tried from it and must change nothing); host-b joins.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
[SupportedOSPlatform("linux")]
public sealed class ClusterJoinTests(ManagerOnlyClusterFixture fixture) : IClassFixture<ManagerOnlyClusterFixture>
{
    private ClusterTestBed Bed => fixture.Bed;

    private ClusterNode Outsider => Bed.Nodes[2];

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Init_MakesAP256CaWithKeysForRootOnly_AndPrintsThePinOpensslComputes()
    {
        using var scratch = new TempDirectory("cluster-pin");
        var cluster = Bed.Manager.ClusterDirectory;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(cluster));
        foreach (var secret in (string[])["ca.key", "host.key", "manager.db"])
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(cluster, secret)));
        }

        var ca = Path.Combine(cluster, "ca.crt");
        var caText = (await Requirements.RunToolAsync("openssl", ["x509", "-in", ca, "-noout", "-text"])).StandardOutput;
        Assert.Contains("prime256v1", caText, StringComparison.Ordinal);
        Assert.Contains("CA:TRUE", caText, StringComparison.Ordinal);
        Assert.Equal(await Openssl.PinAsync(ca, scratch.Path), Bed.CaHash);

        var host = Path.Combine(cluster, "host.crt");
        var verified = await Openssl.RunAsync("verify", "-CAfile", ca, "-purpose", "sslserver", host);
        Assert.True(verified.Succeeded, verified.StandardOutput + verified.StandardError);
        var hostText = (await Requirements.RunToolAsync("openssl", ["x509", "-in", host, "-noout", "-ext", "subjectAltName"])).StandardOutput;
        Assert.Contains("DNS:host-a", hostText, StringComparison.Ordinal);

        var status = await Bed.Manager.CliJsonAsync("cluster", "status");
        Assert.Equal("manager", status.GetProperty("role").GetString());
        Assert.Equal(Bed.CaHash, status.GetProperty("caHash").GetString());
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Init_OnAHostInACluster_IsRefusedWithExit78_AndKeepsItsCa()
    {
        var ca = Path.Combine(Bed.Manager.ClusterDirectory, "ca.crt");
        var before = Openssl.FileDigest(ca);

        var again = await Bed.Manager.CliAsync("cluster", "init");

        Assert.Equal(ExitCodes.Config, again.ExitCode);
        Assert.Contains("already the manager", again.StandardError, StringComparison.Ordinal);
        Assert.Equal(before, Openssl.FileDigest(ca));
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Join_WithTheWrongCaHash_IsRefusedBeforeTheTokenIsSent()
    {
        var token = await Bed.TokenAsync();
        var wrong = "sha256:" + new string('0', 64);

        var join = await Outsider.CliAsync("cluster", "join", Bed.Manager.Endpoint, "--token", token, "--ca-hash", wrong);

        Assert.Equal(ExitCodes.NoPermission, join.ExitCode);
        Assert.Contains("nothing was sent", join.StandardError, StringComparison.Ordinal);
        Assert.Contains(Bed.CaHash!, join.StandardError, StringComparison.Ordinal);
        await AssertUnusedAsync(token);
        await AssertOutsideAsync();
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Join_WithAForgedToken_IsRefused_AndNothingChanges()
    {
        var real = await Bed.TokenAsync();
        var hostsBefore = (await Bed.HostsAsync()).Count;
        string[] forgeries = [real[..7] + new string('x', 32), "abcdef." + new string('a', 32)];
        foreach (var forged in forgeries)
        {
            var join = await Outsider.CliAsync("cluster", "join", Bed.Manager.Endpoint, "--token", forged, "--ca-hash", Bed.CaHash!);

            Assert.Equal(ExitCodes.NoPermission, join.ExitCode);
            Assert.Contains("unknown token", join.StandardError, StringComparison.Ordinal);
        }

        var malformed = await Outsider.CliAsync("cluster", "join", Bed.Manager.Endpoint, "--token", "not-a-token", "--ca-hash", Bed.CaHash!);
        Assert.Equal(ExitCodes.Usage, malformed.ExitCode);
        Assert.Equal(hostsBefore, (await Bed.HostsAsync()).Count);
        await AssertUnusedAsync(real);
        await AssertOutsideAsync();
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Join_WithAnExpiredToken_IsRefused()
    {
        var created = await Bed.Manager.CliJsonAsync("cluster", "token", "create", "--ttl", "1s");
        var token = created.GetProperty("token").GetString()!;
        var expires = created.GetProperty("expiresAt").GetDateTimeOffset();
        await Poll.UntilAsync(() => DateTimeOffset.UtcNow > expires.AddMilliseconds(200), TimeSpan.FromSeconds(10), "the token's expiry");

        var join = await Outsider.CliAsync("cluster", "join", Bed.Manager.Endpoint, "--token", token, "--ca-hash", Bed.CaHash!);

        Assert.Equal(ExitCodes.NoPermission, join.ExitCode);
        Assert.Contains("expired", join.StandardError, StringComparison.Ordinal);
        await AssertOutsideAsync();
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Join_WithThePinnedCa_GetsACertificateOfTheCluster_AndAOneUseTokenAdmitsNoSecondHost()
    {
        var joiner = Bed.Nodes[1];
        var token = await Bed.TokenAsync(uses: 1);

        var joined = await joiner.CliJsonAsync("cluster", "join", Bed.Manager.Endpoint, "--token", token, "--ca-hash", Bed.CaHash!);

        Assert.Equal("host-b", joined.GetProperty("name").GetString());
        Assert.Equal("host-a", joined.GetProperty("managerName").GetString());
        var cluster = joiner.ClusterDirectory;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(cluster, "host.key")));
        Assert.False(File.Exists(Path.Combine(cluster, "ca.key")), "a member holds no CA key");
        var verified = await Openssl.RunAsync("verify", "-CAfile", Path.Combine(Bed.Manager.ClusterDirectory, "ca.crt"), "-purpose", "sslclient", Path.Combine(cluster, "host.crt"));
        Assert.True(verified.Succeeded, verified.StandardOutput + verified.StandardError);
        var san = (await Requirements.RunToolAsync("openssl", ["x509", "-in", Path.Combine(cluster, "host.crt"), "-noout", "-ext", "subjectAltName"])).StandardOutput;
        Assert.Contains("DNS:host-b", san, StringComparison.Ordinal);
        await Bed.WaitForStateAsync(joiner, "up", ClusterTestBed.UpBound);
        var tokenInfo = await TokenInfoAsync(token);
        Assert.Equal(1, tokenInfo.GetProperty("used").GetInt32());

        var second = await Outsider.CliAsync("cluster", "join", Bed.Manager.Endpoint, "--token", token, "--ca-hash", Bed.CaHash!);

        Assert.Equal(ExitCodes.NoPermission, second.ExitCode);
        Assert.Contains("used as many times", second.StandardError, StringComparison.Ordinal);
        await AssertOutsideAsync();

        var again = await joiner.CliAsync("cluster", "join", Bed.Manager.Endpoint, "--token", await Bed.TokenAsync(), "--ca-hash", Bed.CaHash!);
        Assert.Equal(ExitCodes.Config, again.ExitCode);
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task TokenCreate_OutOfRange_ExitsWithUsage()
    {
        foreach (var arguments in new[] { new[] { "--ttl", "8d" }, ["--ttl", "0s"], ["--ttl", "soon"], ["--uses", "0"], ["--uses", "1001"] })
        {
            var result = await Bed.Manager.CliAsync(["cluster", "token", "create", .. arguments]);
            Assert.True(result.ExitCode == ExitCodes.Usage, $"{string.Join(' ', arguments)}: exit {result.ExitCode}: {result.StandardError}");
        }

        var onOutsider = await Outsider.CliAsync("cluster", "token", "create");
        Assert.Equal(ExitCodes.Unavailable, onOutsider.ExitCode);
        Assert.Contains("no cluster", onOutsider.StandardError, StringComparison.Ordinal);
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task Join_OfAManagerThatIsNotThere_ExitsUnavailable()
    {
        var join = await Outsider.CliAsync("cluster", "join", $"{ClusterSwitch.SubnetPrefix}.99:{ClusterNode.Port}", "--token", "abcdef." + new string('a', 32), "--ca-hash", Bed.CaHash!);

        Assert.Equal(ExitCodes.Unavailable, join.ExitCode);
        await AssertOutsideAsync();
    }

    private async Task<JsonElement> TokenInfoAsync(string token)
    {
        var tokens = await Bed.Manager.CliJsonAsync("cluster", "token", "list");
        return tokens.EnumerateArray().Single(t => t.GetProperty("id").GetString() == token[..6]);
    }

    private async Task AssertUnusedAsync(string token)
        => Assert.Equal(0, (await TokenInfoAsync(token)).GetProperty("used").GetInt32());

    /// <summary>host-c is still in no cluster and holds no cluster files; the manager does not list it.</summary>
    private async Task AssertOutsideAsync()
    {
        var status = await Outsider.CliJsonAsync("cluster", "status");
        Assert.Equal("none", status.GetProperty("role").GetString());
        Assert.False(File.Exists(Path.Combine(Outsider.ClusterDirectory, "cluster.json")));
        Assert.False(File.Exists(Path.Combine(Outsider.ClusterDirectory, "host.crt")));
        Assert.DoesNotContain(Outsider.Name, (await Bed.HostsAsync()).Keys);
    }
}
