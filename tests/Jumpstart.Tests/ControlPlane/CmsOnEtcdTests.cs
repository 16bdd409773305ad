using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Guestd.Cms;
using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Cms.Policies;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Cms;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>
/// The CMS store contract on SQLite and on a real etcd (TLS), two CMS sharing one etcd (exactly one master under
/// concurrent registrations split across them, waiters woken by the other CMS's registrations), and a three-member etcd
/// losing members.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.ControlPlane)]
public sealed class CmsOnEtcdTests(EtcdClusterFixture fixture, ITestOutputHelper output) : IClassFixture<EtcdClusterFixture>
{
    private readonly string _prefix = $"/jumpstart/cms-{Guid.NewGuid():N}/";

    private async Task<CmsService> OpenAsync(string store, TempDirectory directory)
        => store == "sqlite"
            ? await CmsService.OpenAsync(directory.Combine("cms.db"), CmsTestBed.AdminToken, 30_000)
            : await CmsService.OpenEtcdAsync(fixture.Cluster.Connect(), _prefix, CmsTestBed.AdminToken, 30_000, ownsConnection: true);

    [ToolTheory("etcd")]
    [InlineData("sqlite")]
    [InlineData("etcd")]
    public async Task Contract_CreateRegisterReportWaitDelete_SameAnswersOnBothStores(string store)
    {
        using var directory = new TempDirectory("cms-contract");
        using var cms = await OpenAsync(store, directory);

        // More instances than one etcd Txn may hold (100 per Txn): the waiting list is written in chunks.
        const int Count = 150;
        var created = await cms.CreateDeploymentAsync(Admin(CmsTestBed.Spec("d1", Count)), CancellationToken.None);
        Assert.Equal(Count, created.Expected);
        var refused = await Assert.ThrowsAsync<CmsException>(() => cms.CreateDeploymentAsync(Admin(CmsTestBed.Spec("d1", 2)), CancellationToken.None));
        Assert.Equal(CmsErrorCodes.DeploymentExists, refused.Code);

        var wrong = await Assert.ThrowsAsync<CmsException>(() => cms.RegisterAsync(CmsTestBed.Register("d1", 3, token: "not-the-token-of-3"), CancellationToken.None));
        Assert.Equal(CmsErrorCodes.Unauthorized, wrong.Code);

        var waiter = cms.WaitAsync(CmsTestBed.Wait("d1", 0, phase: InstancePhase.Registered, minCount: Count, timeoutMs: 20_000), CancellationToken.None);
        var roles = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => cms.RegisterAsync(CmsTestBed.Register("d1", i), CancellationToken.None)));
        Assert.Single(roles, r => r.Role == PolicyKinds.MasterRole);
        Assert.Equal(Count - 1, roles.Count(r => r.Role == PolicyKinds.WorkerRole));
        Assert.True((await waiter).Satisfied);

        // Registering again returns the same role; a report is kept; the status counts it all.
        var again = await cms.RegisterAsync(CmsTestBed.Register("d1", 7), CancellationToken.None);
        Assert.Equal(roles[7].Role, again.Role);
        await cms.ReportAsync(new ReportRequest { DeploymentId = "d1", InstanceId = CmsTestBed.InstanceId(7), Token = CmsTestBed.TokenOf("d1", 7), Phase = InstancePhase.Ready }, CancellationToken.None);
        await cms.HeartbeatAsync(new HeartbeatRequest { DeploymentId = "d1", InstanceId = CmsTestBed.InstanceId(7), Token = CmsTestBed.TokenOf("d1", 7) }, CancellationToken.None);
        var status = await cms.GetDeploymentAsync(new AdminRequest { AdminToken = CmsTestBed.AdminToken, DeploymentId = "d1" }, CancellationToken.None);
        Assert.Equal((Count, Count, 1), (status.Expected, status.Registered, status.Ready));
        Assert.NotNull(status.Instances.Single(i => i.InstanceId == CmsTestBed.InstanceId(7)).LastHeartbeat);
        var listed = Assert.Single(await cms.ListDeploymentsAsync(new AdminRequest { AdminToken = CmsTestBed.AdminToken }, CancellationToken.None));
        Assert.Equal((Count, 1), (listed.Registered, listed.Ready));

        Assert.True(await cms.DeleteDeploymentAsync(new AdminRequest { AdminToken = CmsTestBed.AdminToken, DeploymentId = "d1" }, CancellationToken.None));
        var gone = await Assert.ThrowsAsync<CmsException>(() => cms.RegisterAsync(CmsTestBed.Register("d1", 1), CancellationToken.None));
        Assert.Equal(CmsErrorCodes.UnknownDeployment, gone.Code);

        // The id can be used again, with nothing of the old registrations.
        await cms.CreateDeploymentAsync(Admin(CmsTestBed.Spec("d1", 2)), CancellationToken.None);
        Assert.Equal(PolicyKinds.MasterRole, (await cms.RegisterAsync(CmsTestBed.Register("d1", 1), CancellationToken.None)).Role);
    }

    [ToolFact("etcd")]
    public async Task TwoCmsOnOneEtcd_ConcurrentRegistrationsSplitAcrossThem_ExactlyOneMasterAndOneRoleEach()
    {
        using var a = await CmsService.OpenEtcdAsync(fixture.Cluster.Connect(), _prefix, CmsTestBed.AdminToken, 30_000, ownsConnection: true);
        using var b = await CmsService.OpenEtcdAsync(fixture.Cluster.Connect(), _prefix, CmsTestBed.AdminToken, 30_000, ownsConnection: true);
        const int Count = 400;
        await a.CreateDeploymentAsync(Admin(CmsTestBed.Spec("split", Count)), CancellationToken.None);

        // A waiter on B is woken by registrations stored through A (etcd's watch), not by polling.
        var waiterOnB = b.WaitAsync(CmsTestBed.Wait("split", 1, phase: InstancePhase.Registered, minCount: Count, timeoutMs: 25_000), CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var roles = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => (i % 2 == 0 ? a : b).RegisterAsync(CmsTestBed.Register("split", i), CancellationToken.None)));
        output.WriteLine($"{Count} registrations split across two CMS on one etcd: {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.Single(roles, r => r.Role == PolicyKinds.MasterRole);
        Assert.True((await waiterOnB).Satisfied);

        // Either CMS answers every instance with the one role it was given, and the same master.
        var master = roles.Single(r => r.Role == PolicyKinds.MasterRole).Variables[CmsService.MasterAddressVariable];
        for (var i = 0; i < Count; i += 37)
        {
            var fromOther = await (i % 2 == 0 ? b : a).RegisterAsync(CmsTestBed.Register("split", i), CancellationToken.None);
            Assert.Equal(roles[i].Role, fromOther.Role);
            Assert.Equal(master, fromOther.Variables[CmsService.MasterAddressVariable]);
        }

        var status = await b.GetDeploymentAsync(new AdminRequest { AdminToken = CmsTestBed.AdminToken, DeploymentId = "split" }, CancellationToken.None);
        Assert.Equal(Count, status.Registered);
        Assert.Equal(Count, status.Instances.Select(i => i.InstanceId).Distinct().Count());
    }

    [ToolFact("etcd")]
    public async Task EtcdMembersLost_OneDownRegistrationsGoOn_TwoDownClearError_OneBackResumesWithNothingLost()
    {
        using var etcd = new EtcdTestCluster(3);
        await etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        using var cms = await CmsService.OpenEtcdAsync(etcd.Connect(), "/jumpstart/cms-quorum/", CmsTestBed.AdminToken, 30_000, ownsConnection: true);
        const int Count = 40;
        await cms.CreateDeploymentAsync(Admin(CmsTestBed.Spec("q", Count)), CancellationToken.None);
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => cms.RegisterAsync(CmsTestBed.Register("q", i), CancellationToken.None)));

        etcd.Kill(2);
        await Task.WhenAll(Enumerable.Range(10, 10).Select(i => cms.RegisterAsync(CmsTestBed.Register("q", i), CancellationToken.None)));

        etcd.Kill(1);
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ClusterStoreException>(() => cms.RegisterAsync(CmsTestBed.Register("q", 20), CancellationToken.None));
        output.WriteLine($"two of three members down: register failed after {clock.Elapsed.TotalSeconds:0.0} s: {error.Message}");
        Assert.Contains("quorum", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"register hung for {clock.Elapsed}");

        etcd.Start(1);
        await Poll.UntilAsync(
            async ct =>
            {
                try
                {
                    await cms.RegisterAsync(CmsTestBed.Register("q", 20), ct);
                    return true;
                }
                catch (ClusterStoreException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(40),
            "a registration succeeds once a second member is back");
        var rest = await Task.WhenAll(Enumerable.Range(21, Count - 21).Select(i => cms.RegisterAsync(CmsTestBed.Register("q", i), CancellationToken.None)));
        var status = await cms.GetDeploymentAsync(new AdminRequest { AdminToken = CmsTestBed.AdminToken, DeploymentId = "q" }, CancellationToken.None);
        Assert.Equal(Count, status.Registered);
        Assert.Single(status.Instances, i => i.Role == PolicyKinds.MasterRole);
        Assert.Equal(Count - 21, rest.Length);
    }

    [ToolFact("etcd")]
    public async Task Guest_FirstCmsUnreachableThenItsCmsStops_GoesOnWithTheNextEndpoint()
    {
        using var directory = new TempDirectory("cms-failover");
        var options = new CmsOptions
        {
            Enabled = true,
            Listen = "127.0.0.1:0",
            AdminTokenFile = directory.Combine("admin.token"),
            Store = fixture.Cluster.Store,
            StorePrefix = _prefix,
            EtcdCaFile = fixture.Cluster.Tls.CaCertificate,
            EtcdCertificateFile = fixture.Cluster.Tls.ClientCertificate,
            EtcdKeyFile = fixture.Cluster.Tls.ClientKey,
        };
        var first = await CmsServer.StartAsync(options);
        await using var second = await CmsServer.StartAsync(options);
        var adminToken = AdminTokenFile.Read(options.AdminTokenFile);
        await first.Service.CreateDeploymentAsync(new AdminRequest { AdminToken = adminToken, Deployment = CmsTestBed.Spec("fo", 2) }, CancellationToken.None);

        // The metadata names a dead port first, then the two managers' CMS.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var dead = ((IPEndPoint)closed.LocalEndPoint!).Port;
        var endpoint = new CmsEndpoint
        {
            Host = "127.0.0.1",
            Port = dead,
            Token = CmsTestBed.TokenOf("fo", 0),
            Alternates = [$"127.0.0.1:{first.TcpEndPoint.Port}", $"127.0.0.1:{second.TcpEndPoint.Port}"],
        };
        MetadataValidator.Validate(new CloneMetadata { InstanceId = "fo-0", Hostname = "fo-0", Cms = endpoint });
        var bad = Assert.Throws<MetadataException>(() => MetadataValidator.Validate(new CloneMetadata { InstanceId = "fo-0", Hostname = "fo-0", Cms = endpoint with { Alternates = ["no-port", .. Enumerable.Repeat("h:1", 8)] } }));
        Assert.Contains("cms.alternates", bad.Message, StringComparison.Ordinal);
        var retry = new CmsRetryPolicy { Budget = TimeSpan.FromSeconds(20), InitialDelay = TimeSpan.FromMilliseconds(50), AttemptTimeout = TimeSpan.FromSeconds(3) };
        await using var client = new CmsClient(endpoint, retry, NullLogger<CmsClient>.Instance);
        var assignment = await client.RegisterAsync(CmsTestBed.Register("fo", 0), CancellationToken.None);
        Assert.Equal(PolicyKinds.MasterRole, assignment.Role);
        Assert.Equal(first.TcpEndPoint.Port, client.Current.Port);

        // The CMS it used stops (its manager died): the next call goes to the other one, which knows the registration.
        await first.DisposeAsync();
        await client.ReportAsync(new ReportRequest { DeploymentId = "fo", InstanceId = CmsTestBed.InstanceId(0), Token = CmsTestBed.TokenOf("fo", 0), Phase = InstancePhase.Ready }, CancellationToken.None);
        Assert.Equal(second.TcpEndPoint.Port, client.Current.Port);
        var status = await second.Service.GetDeploymentAsync(new AdminRequest { AdminToken = adminToken, DeploymentId = "fo" }, CancellationToken.None);
        Assert.Equal((1, 1), (status.Registered, status.Ready));
    }

    private static AdminRequest Admin(DeploymentSpec spec) => new() { AdminToken = CmsTestBed.AdminToken, Deployment = spec };
}
