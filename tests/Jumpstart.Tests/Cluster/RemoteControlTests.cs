using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Support;
using StreamJsonRpc;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// Remote control (issue 14 section 4) with three real hostd processes (host-a the manager, host-b and host-c members):
/// <c>jumpstart --host host-b ...</c> on host-c runs c -> a -> b and on host-a a -> b; the effect lands on host-b alone,
/// progress and errors come back as they are locally; unknown, stopped and unwilling targets and callers that are not
/// the manager are refused.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class RemoteControlTests(JoinedClusterFixture fixture, ITestOutputHelper output) : IClassFixture<JoinedClusterFixture>
{
    private const long ImageSize = 16L * 1024 * 1024;

    private ClusterTestBed Bed => fixture.Bed;

    private ClusterNode HostA => Bed.Nodes[0];

    private ClusterNode HostB => Bed.Nodes[1];

    private ClusterNode HostC => Bed.Nodes[2];

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task HostOption_RunsStatusOnTheNamedHost_FromAMemberAndFromTheManager()
    {
        Assert.Equal("host-b", (await HostC.CliJsonAsync("--host", "host-b", "status")).GetProperty("nodeName").GetString());
        Assert.Equal("host-b", (await HostA.CliJsonAsync("--host", "host-b", "status")).GetProperty("nodeName").GetString());
        Assert.Equal("host-a", (await HostC.CliJsonAsync("--host", "host-a", "status")).GetProperty("nodeName").GetString());
        Assert.Equal("host-a", (await HostA.CliJsonAsync("--host", "host-a", "status")).GetProperty("nodeName").GetString());
        Assert.Equal(JsonValueKind.Array, (await HostC.CliJsonAsync("--host", "host-b", "vm", "list")).ValueKind);
        Assert.Equal("host-c", (await HostC.CliJsonAsync("status")).GetProperty("nodeName").GetString());
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task ImageAdd_ThroughTheManager_LandsOnTheNamedHostOnly_WithItsProgressOnStderr()
    {
        var file = Path.Combine(HostB.Directory.Path, "remote-base.raw");
        TestImages.CreateSparse(file, ImageSize);

        var added = await HostC.CliAsync("--host", "host-b", "image", "add", "remote-base", "--file", file, "--json");
        Assert.True(added.Succeeded, added.StandardError);
        var info = JsonSerializer.Deserialize<ImageInfo>(added.StandardOutput, JsonSerializerOptions.Web)!;
        Assert.Equal(("remote-base", ImageSize), (info.Name, info.Size));
        Assert.Contains(HostB.Directory.Path, info.LocalUri, StringComparison.Ordinal);
        Assert.Contains("remote-base", Names(await HostB.CliJsonAsync("image", "list")));
        Assert.DoesNotContain("remote-base", Names(await HostC.CliJsonAsync("image", "list")));
        Assert.DoesNotContain("remote-base", Names(await HostA.CliJsonAsync("image", "list")));

        // A copy of it made on host-b, from its own export: the copy's progress notes travel b -> a -> c -> stderr.
        var copied = await HostC.CliAsync("--host", "host-b", "image", "add", "remote-copy", "--copy-from", info.LocalUri!);
        Assert.True(copied.Succeeded, copied.StandardError);
        Assert.Contains($"[{HostMethods.ImageReplicate}]", copied.StandardError, StringComparison.Ordinal);
        Assert.Contains("serving remote-copy", copied.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("remote-copy", Names(await HostB.CliJsonAsync("image", "list")));
        Assert.DoesNotContain("remote-copy", Names(await HostC.CliJsonAsync("image", "list")));
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task AFailingCall_OnTheTarget_KeepsTheExitCodeAndMessageOfALocalCall()
    {
        var local = await HostB.CliAsync("image", "stats", "no-such-image");
        var fromMember = await HostC.CliAsync("--host", "host-b", "image", "stats", "no-such-image");
        var fromManager = await HostA.CliAsync("--host", "host-b", "image", "stats", "no-such-image");

        Assert.Equal(ExitCodes.NoInput, local.ExitCode);
        Assert.Equal((local.ExitCode, local.StandardError), (fromMember.ExitCode, fromMember.StandardError));
        Assert.Equal((local.ExitCode, local.StandardError), (fromManager.ExitCode, fromManager.StandardError));
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task UnknownHost_IsNotFound()
    {
        var result = await HostC.CliAsync("--host", "host-z", "vm", "list");

        Assert.Equal(ExitCodes.NoInput, result.ExitCode);
        Assert.Contains("host-z", result.StandardError, StringComparison.Ordinal);
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task DeploymentWait_FromAMember_NoSuchDeploymentIsNotFound_AndWhileNoManagerAnswersItKeepsAskingUntilItsTimeout()
    {
        var missing = await HostC.CliAsync("deployment", "wait", "no-such-deployment", "--timeout", "30");
        Assert.Equal(ExitCodes.NoInput, missing.ExitCode);
        Assert.Contains("no-such-deployment", missing.StandardError, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Usage, (await HostC.CliAsync("deployment", "wait", "d1", "--timeout", "0")).ExitCode);

        await HostA.StopHostdAsync();
        try
        {
            var waited = await HostC.CliAsync("deployment", "wait", "d1", "--timeout", "3");

            output.WriteLine(waited.StandardError);
            Assert.Equal(ExitCodes.TempFail, waited.ExitCode);
            Assert.Contains("[deployment.wait] no answer from a manager yet", waited.StandardError, StringComparison.Ordinal);
            Assert.Contains("is still unknown (no manager answered) after 3 s", waited.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            await HostA.StartHostdAsync();
            await Bed.WaitForStateAsync(HostB, "up", ClusterTestBed.UpBound);
            await Bed.WaitForStateAsync(HostC, "up", ClusterTestBed.UpBound);
        }
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task RelayingARelay_IsRefused()
    {
        await using var peer = await ControlSocketAsync(HostC);

        var refused = await Assert.ThrowsAsync<RemoteInvocationException>(() => peer.InvokeAsync<JsonElement>(
            RemoteControlMethods.Invoke,
            new ClusterInvokeRequest { Host = "host-b", Method = RemoteControlMethods.Invoke, Params = JsonSerializer.SerializeToElement(new ClusterInvokeRequest { Host = "host-a", Method = HostMethods.VmList }, JsonRpcWire.SerializerOptions) }));
        Assert.Equal(HostErrorCodes.InvalidRequest, refused.ErrorCode);
        Assert.Contains("cannot be relayed", refused.Message, StringComparison.Ordinal);
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task StoppedHost_IsUnavailable_NamingIt()
    {
        await HostB.StopHostdAsync();
        try
        {
            var result = await HostC.CliAsync("--host", "host-b", "vm", "list");

            Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
            Assert.Contains("host-b", result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            await HostB.StartHostdAsync();
            await Bed.WaitForStateAsync(HostB, "up", ClusterTestBed.UpBound);
        }
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task RemoteControlOff_OnTheTarget_IsRefused()
    {
        await HostC.StopHostdAsync();
        HostC.Override("RemoteControl", false);
        try
        {
            await HostC.StartHostdAsync();
            await Bed.WaitForStateAsync(HostC, "up", ClusterTestBed.UpBound);

            var result = await HostB.CliAsync("--host", "host-c", "status");

            Assert.Equal(ExitCodes.NoPermission, result.ExitCode);
            Assert.Contains("remote control is disabled on host-c", result.StandardError, StringComparison.Ordinal);
            Assert.Equal("host-b", (await HostC.CliJsonAsync("--host", "host-b", "status")).GetProperty("nodeName").GetString());
        }
        finally
        {
            await HostC.StopHostdAsync();
            HostC.Override("RemoteControl", null);
            await HostC.StartHostdAsync();
            await Bed.WaitForStateAsync(HostC, "up", ClusterTestBed.UpBound);
        }
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    [Trait(Capabilities.Trait, Capabilities.Hostile)]
    public async Task ARunFromAMembersCertificate_IsRefusedByTheTarget()
    {
        await using var peer = await ControlConnectionAsync(from: HostC, to: HostB);

        var run = await Assert.ThrowsAsync<RemoteInvocationException>(() => peer.InvokeAsync<JsonElement>(
            RemoteControlMethods.Run, new ClusterInvokeRequest { Host = "host-b", Method = HostMethods.Status }));
        Assert.Equal(ClusterErrorCodes.Refused, run.ErrorCode);
        Assert.Contains("from the manager host-a only, not from host-c", run.Message, StringComparison.Ordinal);

        var relay = await Assert.ThrowsAsync<RemoteInvocationException>(() => peer.InvokeAsync<JsonElement>(
            RemoteControlMethods.Relay, new ClusterInvokeRequest { Host = "host-b", Method = HostMethods.Status }));
        Assert.Equal(ClusterErrorCodes.NotManager, relay.ErrorCode);
    }

    [ToolFact("ip", "openssl", NeedsRoot = true)]
    public async Task CtrlC_OnTheCaller_CancelsTheCallOnTheTarget()
    {
        // An NBD "server" in host-b's namespace that accepts and never greets: host-b's copy waits in the NBD handshake
        // (NbdClientOptions.ConnectTimeout, 10 s) until it is cancelled.
        using var listener = NamespaceSockets.In(HostB.Namespace, () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(HostB.Address), 0));
            socket.Listen();
            return socket;
        });
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cli = ProcessRunner.RunAsync(
            BuiltPrograms.Cli,
            ["--host", "host-b", "image", "add", "never", "--copy-from", $"nbd://{HostB.Address}:{port}/x", "--socket", HostC.SocketPath],
            new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(60), OnStarted = pid => started.TrySetResult(pid) });

        using var accepted = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, Mono.Unix.Native.Syscall.kill(await started.Task.WaitAsync(TimeSpan.FromSeconds(5)), Mono.Unix.Native.Signum.SIGINT));

        int read;
        try
        {
            read = await accepted.ReceiveAsync(new byte[64]).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (SocketException)
        {
            read = 0; // Reset rather than closed: gone all the same.
        }

        var closedAfter = clock.Elapsed;
        var exited = await cli;
        output.WriteLine($"host-b's NBD client closed {closedAfter.TotalSeconds:0.00} s after Ctrl-C; the CLI exited {exited.ExitCode} after {clock.Elapsed.TotalSeconds:0.00} s: {exited.StandardError}");
        Assert.Equal(0, read);
        // Typically 0.1 s; the bound leaves a loaded machine room while staying under the NBD timeout it must beat.
        Assert.True(closedAfter < TimeSpan.FromSeconds(8), $"host-b's NBD client closed {closedAfter.TotalSeconds:0.0} s after Ctrl-C: the cancel did not travel c -> a -> b (its own timeout is 10 s); the CLI exited {exited.ExitCode}: {exited.StandardError}");
        Assert.DoesNotContain("never", Names(await HostB.CliJsonAsync("image", "list")));
    }

    private static string[] Names(JsonElement images) => [.. images.EnumerateArray().Select(i => i.GetProperty("name").GetString()!)];

    private static async Task<JsonRpcPeer> ControlSocketAsync(ClusterNode node)
        => await JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(node.SocketPath));

    /// <summary>A mutual-TLS <c>jumpstart-control/1</c> connection with <paramref name="from"/>'s certificate, opened in its namespace.</summary>
    private static async Task<JsonRpcPeer> ControlConnectionAsync(ClusterNode from, ClusterNode to)
    {
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(from.ClusterDirectory, "host.crt"), Path.Combine(from.ClusterDirectory, "host.key"));
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var socket = NamespaceSockets.Connect(from.Namespace, IPEndPoint.Parse(to.Endpoint), 1).Single();
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = to.Name,
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [new SslApplicationProtocol("jumpstart-control/1")],
            ClientCertificates = [certificate],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        Assert.Equal("jumpstart-control/1", tls.NegotiatedApplicationProtocol.ToString());
        var peer = JsonRpcPeer.Create(tls);
        peer.StartListening();
        return peer;
    }
}
