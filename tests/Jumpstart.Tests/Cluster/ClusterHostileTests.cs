using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using StreamJsonRpc;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// Attacks on the cluster port of real hostd processes, from the switch namespace (a machine on the hosts' wire):
/// plaintext, TLS 1.2, certificates of another CA, clients that never finish a handshake, a join message that claims
/// to be huge, and token guessing. Each asserts the refusal, the process alive, its memory bounded while the attack runs
/// and back near its start afterwards, and the hosts served during and after.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class ClusterHostileTests(PartlyJoinedClusterFixture fixture, ITestOutputHelper output) : IClassFixture<PartlyJoinedClusterFixture>
{
    /// <summary>How much hostd's RSS may grow while an attack runs (generous for a loaded machine; the attacks here would need far more to do harm).</summary>
    private const long RssGrowthBound = 96L * 1024 * 1024;

    private ClusterTestBed Bed => fixture.Bed;

    private ClusterNode Member => Bed.Nodes[1];

    private IPEndPoint ManagerEndPoint => IPEndPoint.Parse(Bed.Manager.Endpoint);

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task PlaintextAndTls12Clients_AreClosedInTheHandshake_AndTheClusterGoesOn()
    {
        var pid = await Bed.Manager.PidAsync();
        var before = ProcessMemory.RssBytes(pid);

        var plaintext = NamespaceSockets.Connect(Bed.Switch.Namespace, ManagerEndPoint, 1).Single();
        using (plaintext)
        {
            var frame = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"manager.hosts\"}";
            await plaintext.SendAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: x\r\n\r\nContent-Length: {frame.Length}\r\n\r\n{frame}"));
            var answer = await ReadUntilClosedAsync(plaintext, TimeSpan.FromSeconds(15));
            Assert.DoesNotContain("jsonrpc", Encoding.ASCII.GetString(answer), StringComparison.Ordinal);
            Assert.DoesNotContain("host-a", Encoding.ASCII.GetString(answer), StringComparison.Ordinal);
        }

        var tls12 = await Openssl.ConnectAsync(Member.ExecPrefix, Bed.Manager.Endpoint, "jumpstart-ping/1", CaFile, MemberCertificate, MemberKey, tlsVersion: "-tls1_2");
        Assert.False(tls12.Succeeded);
        Assert.Contains("protocol version", tls12.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("sees", tls12.StandardOutput, StringComparison.Ordinal);

        await AssertServedAsync(pid);
        output.WriteLine($"RSS before {before >> 20} MiB, after {ProcessMemory.RssBytes(pid) >> 20} MiB");
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task CertificateOfAnotherCa_IsRefusedInTheHandshake_ByTheManagerAndByAMember()
    {
        using var scratch = new TempDirectory("cluster-foreign");
        var (certificate, key) = await Openssl.ForeignCertificateAsync(scratch.Path, "host-b");

        foreach (var target in new[] { Bed.Manager, Member })
        {
            var ping = await Openssl.ConnectAsync(Bed.Switch.ExecPrefix, target.Endpoint, "jumpstart-ping/1", CaFile, certificate, key);
            Assert.False(ping.Succeeded, $"{target.Name} served a certificate of another CA: {ping.StandardOutput}");
            Assert.DoesNotContain("sees", ping.StandardOutput, StringComparison.Ordinal);

            var anonymous = await Openssl.ConnectAsync(Bed.Switch.ExecPrefix, target.Endpoint, "jumpstart-ping/1", CaFile);
            Assert.False(anonymous.Succeeded, $"{target.Name} served a client without a certificate: {anonymous.StandardOutput}");
        }

        await AssertServedAsync(await Bed.Manager.PidAsync());
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task ClientsThatNeverFinishTheirHandshake_AreCutAtTheBound_AndCannotCrowdOutTheHosts()
    {
        const int Waves = 4;
        const int PerWave = 300;
        var pid = await Bed.Manager.PidAsync();
        var before = ProcessMemory.RssBytes(pid);
        var heartbeatBefore = await LastHeartbeatAsync(Member);
        var cutAtAccept = 0;
        var cutAtTimeout = 0;
        var longest = TimeSpan.Zero;

        var peak = await ProcessMemory.PeakRssWhileAsync(pid, async () =>
        {
            for (var wave = 0; wave < Waves; wave++)
            {
                var clock = Stopwatch.StartNew();
                var sockets = NamespaceSockets.Connect(Bed.Switch.Namespace, ManagerEndPoint, PerWave);
                try
                {
                    // Half send nothing, half start a TLS record that claims 16 KiB and never send the rest.
                    for (var i = 0; i < sockets.Count; i += 2)
                    {
                        try
                        {
                            await sockets[i].SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x40, 0x00, 0x01 });
                        }
                        catch (SocketException)
                        {
                            // Already closed at accept.
                        }
                    }

                    var closings = sockets.Select(async s =>
                    {
                        _ = await ReadUntilClosedAsync(s, ClusterTestBed.HandshakeTimeout + TimeSpan.FromSeconds(10));
                        return clock.Elapsed;
                    });
                    var times = await Task.WhenAll(closings);
                    cutAtAccept += times.Count(t => t < TimeSpan.FromSeconds(1));
                    cutAtTimeout += times.Count(t => t >= TimeSpan.FromSeconds(1));
                    longest = times.Max() > longest ? times.Max() : longest;
                }
                finally
                {
                    sockets.ForEach(s => s.Dispose());
                }
            }
        });

        // Every connection was closed by the server within the handshake bound (and slack); many at accept.
        Assert.True(longest < ClusterTestBed.HandshakeTimeout + TimeSpan.FromSeconds(8), $"the slowest cut took {longest.TotalSeconds:0.0} s");
        Assert.True(cutAtAccept > 0, "no connection was refused at accept although the handshakes in progress were capped");

        // The member's heartbeats went on during the flood; the member is up.
        Assert.True(await LastHeartbeatAsync(Member) > heartbeatBefore, "the member's heartbeats stopped during the flood");
        Assert.True(peak - before < RssGrowthBound, $"RSS grew by {(peak - before) >> 20} MiB during the flood");
        await AssertServedAsync(pid);
        var after = await Poll.ForAsync(() => ProcessMemory.RssBytes(pid), rss => rss - before < RssGrowthBound / 2, TimeSpan.FromSeconds(30), "hostd's RSS back near its start", rss => $"{rss >> 20} MiB");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Waves} x {PerWave} stalled clients: {cutAtAccept} cut at accept, {cutAtTimeout} at the {ClusterTestBed.HandshakeTimeout.TotalSeconds:0} s bound (slowest {longest.TotalSeconds:0.0} s); RSS before {before >> 20} MiB, peak {peak >> 20} MiB, after {after >> 20} MiB"));
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task JoinMessageClaimingToBeHuge_IsCutWithoutBuffering()
    {
        var pid = await Bed.Manager.PidAsync();
        var before = ProcessMemory.RssBytes(pid);
        var peak = await ProcessMemory.PeakRssWhileAsync(pid, async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await using var tls = await JoinStreamAsync();
                var cut = false;
                try
                {
                    // A frame header claiming 1 GB, then 64 KiB of it: the framing refuses the claim before buffering,
                    // so the connection is closed, perhaps while the body is still being written.
                    await tls.WriteAsync(Encoding.ASCII.GetBytes("Content-Length: 1000000000\r\n\r\n{\"jsonrpc\":\"2.0\""));
                    await tls.WriteAsync(new byte[64 * 1024]);
                }
                catch (IOException)
                {
                    cut = true;
                }

                var buffer = new byte[1024];
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                int read;
                try
                {
                    read = cut ? 0 : await tls.ReadAsync(buffer, bound.Token);
                }
                catch (IOException)
                {
                    read = 0;
                }

                Assert.Equal(0, read);
            }
        });

        Assert.True(peak - before < RssGrowthBound, $"RSS grew by {(peak - before) >> 20} MiB");
        await AssertServedAsync(pid);
        output.WriteLine($"RSS before {before >> 20} MiB, peak {peak >> 20} MiB");
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task GuessedTokens_AreRateLimitedPerAddress_WhileAnotherHostJoins()
    {
        var genuine = await Bed.TokenAsync(uses: 2);
        await using var attacker = await JoinClientAsync();
        var refusals = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            refusals.Add(await JoinCodeAsync(attacker, RandomToken()));
        }

        // Five refusals of a bad token, then the address is refused without its token being looked at, even a genuine one.
        Assert.Equal(Enumerable.Repeat(ClusterErrorCodes.Refused, 5).Concat(Enumerable.Repeat(ClusterErrorCodes.RateLimited, 3)), refusals);
        Assert.Equal(ClusterErrorCodes.RateLimited, await JoinCodeAsync(attacker, genuine));
        var tokens = await Bed.Manager.CliJsonAsync("cluster", "token", "list");
        Assert.Equal(0, tokens.EnumerateArray().Single(t => t.GetProperty("id").GetString() == genuine[..6]).GetProperty("used").GetInt32());

        // Another address is not limited: host-c joins with the genuine token.
        var outsider = Bed.Nodes[2];
        var joined = await outsider.CliAsync("cluster", "join", Bed.Manager.Endpoint, "--token", genuine, "--ca-hash", Bed.CaHash!);
        Assert.True(joined.Succeeded, joined.StandardError);
        await Bed.WaitForStateAsync(outsider, "up", ClusterTestBed.UpBound);
        Assert.DoesNotContain("attacker", (await Bed.HostsAsync()).Keys);
    }

    private string CaFile => Path.Combine(Bed.Manager.ClusterDirectory, "ca.crt");

    private string MemberCertificate => Path.Combine(Member.ClusterDirectory, "host.crt");

    private string MemberKey => Path.Combine(Member.ClusterDirectory, "host.key");

    /// <summary>hostd is alive, the member is up, and a member's mutual-TLS ping is served.</summary>
    private async Task AssertServedAsync(int pid)
    {
        Assert.True(File.Exists($"/proc/{pid}/status"), "hostd died");
        await Bed.WaitForStateAsync(Member, "up", ClusterTestBed.UpBound);
        var ping = await Openssl.ConnectAsync(Member.ExecPrefix, Bed.Manager.Endpoint, "jumpstart-ping/1", CaFile, MemberCertificate, MemberKey);
        Assert.True(ping.Succeeded, ping.StandardError);
        Assert.Contains(Openssl.PingLine("host-a", "host-b"), ping.StandardOutput, StringComparison.Ordinal);
    }

    private async Task<DateTimeOffset> LastHeartbeatAsync(ClusterNode node)
        => (await Bed.HostsAsync())[node.Name].GetProperty("lastHeartbeatAt").GetDateTimeOffset();

    /// <summary>Reads until the peer closes (or resets); returns what it sent. Fails the test when it stays open past <paramref name="within"/>.</summary>
    private static async Task<byte[]> ReadUntilClosedAsync(Socket socket, TimeSpan within)
    {
        using var bound = new CancellationTokenSource(within);
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token);
                if (read == 0)
                {
                    return received.ToArray();
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            return received.ToArray();
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the server kept the connection open for more than {within.TotalSeconds:0} s");
        }
    }

    /// <summary>An anonymous TLS 1.3 join connection from the switch namespace (the attacker's address).</summary>
    private async Task<SslStream> JoinStreamAsync()
    {
        var socket = NamespaceSockets.Connect(Bed.Switch.Namespace, ManagerEndPoint, 1).Single();
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "host-a",
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [new SslApplicationProtocol("jumpstart-join/1")],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        return tls;
    }

    private async Task<JsonRpcPeer> JoinClientAsync()
    {
        var peer = JsonRpcPeer.Create(await JoinStreamAsync());
        peer.StartListening();
        return peer;
    }

    /// <summary>The error code a join request with <paramref name="token"/> is answered with (0 when admitted).</summary>
    private static async Task<int> JoinCodeAsync(JsonRpcPeer peer, string token)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=attacker", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        try
        {
            await peer.InvokeAsync<JoinGrant>(ClusterMethods.JoinRequest, new JoinSigningRequest { Token = token, Name = "attacker", Csr = csr, Port = 7443 });
            return 0;
        }
        catch (RemoteInvocationException ex)
        {
            return ex.ErrorCode;
        }
    }

    private static string RandomToken()
        => RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 6) + "." + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 32);
}
