using System.Net;
using System.Net.Sockets;
using Jumpstart.Guestd.Cms;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Network;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Guestd;

/// <summary>The engine against the real CMS (in-process, JSON-RPC over loopback TCP, a real SQLite file).</summary>
[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EngineWithCmsTests : IAsyncLifetime
{
    private const string DeploymentId = "dep-guest";
    private const string RoleFilePath = "/etc/jumpstart/role.env";

    // The names the CMS's master-workers policy gives; guestd itself knows none of them.
    private const string MasterRole = "master";
    private const string WorkerRole = "worker";
    private readonly TempDirectory _temp = new("guestd-cms");
    private CmsServer? _cms;

    private CmsServer Cms => _cms ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _cms = await CmsServer.StartAsync(new CmsOptions
        {
            Listen = "127.0.0.1:0",
            DatabasePath = _temp.Combine("cms.db"),
            AdminTokenFile = _temp.Combine("admin.token"),
        });
    }

    public async Task DisposeAsync()
    {
        if (_cms is not null)
        {
            await _cms.DisposeAsync();
        }

        _temp.Dispose();
    }

    [Fact]
    public async Task Apply_ThreeInstances_GiveOneMasterAndTwoWorkersHoldingItsAddress()
    {
        await CreateDeploymentAsync(new PolicySpec { Kind = "master-workers" }, workerCommands: []);

        var results = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => Guest(i).ApplyAsync(Metadata(i), CancellationToken.None)));

        var master = Assert.Single(results, r => r.Role == MasterRole);
        var masterAddress = AddressOf(int.Parse(master.InstanceId[2..], System.Globalization.CultureInfo.InvariantCulture));
        var workers = results.Where(r => r.Role == WorkerRole).ToList();
        Assert.Equal(2, workers.Count);
        foreach (var worker in workers)
        {
            Assert.Equal(masterAddress, worker.MasterAddress);
            var roleFile = RootOf(worker.InstanceId) + RoleFilePath;
            Assert.Equal($"MASTER={masterAddress}\n", await File.ReadAllTextAsync(roleFile));
            Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(roleFile));
        }

        var status = await StatusAsync();
        Assert.All(status.Instances, i => Assert.Equal(InstancePhase.Ready, i.Phase));
    }

    [Fact]
    public async Task Apply_WorkerBeforeItsLowestRankMaster_WaitsAndThenGetsTheMastersAddress()
    {
        await CreateDeploymentAsync(new PolicySpec { Kind = "master-workers", MasterSelection = "lowest-rank" }, workerCommands: []);

        var worker = Guest(2).ApplyAsync(Metadata(2), CancellationToken.None);
        await Poll.UntilAsync(async _ => (await StatusAsync()).Registered >= 1, TimeSpan.FromSeconds(30), "one instance registered", TimeSpan.FromMilliseconds(50));
        Assert.False(worker.IsCompleted);
        var master = await Guest(1).ApplyAsync(Metadata(1), CancellationToken.None);
        var workerResult = await worker.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(MasterRole, master.Role);
        Assert.Equal(WorkerRole, workerResult.Role);
        Assert.Equal(AddressOf(1), workerResult.MasterAddress);
        Assert.Contains(workerResult.Steps, s => s.Step == StepNames.WaitRole && s.Succeeded);
    }

    [Fact]
    public async Task Apply_AllSamePolicyWithARoleNameGuestdHasNeverSeen_AppliesItsFilesAndCommands()
    {
        const string Role = "quorum-witness-7";
        await CreateDeploymentAsync(
            new PolicySpec { Kind = "all-same", Role = Role },
            roles: new Dictionary<string, RoleConfiguration>
            {
                [Role] = new()
                {
                    Files = [new RoleFile { Path = "/etc/witness/me", Mode = "0600", Content = "${ROLE} ${ADDRESS}\n" }],
                    Commands = [["/bin/sh", "-c", "printf '%s' \"$JUMPSTART_ROLE\" > \"$JUMPSTART_ROOT/role-seen\""]],
                },
            });

        var result = await Guest(1).ApplyAsync(Metadata(1), CancellationToken.None);

        Assert.Equal(Role, result.Role);
        Assert.Null(result.MasterAddress);
        Assert.DoesNotContain(result.Steps, s => s.Step == StepNames.WaitRole);
        Assert.Equal($"{Role} {AddressOf(1)}\n", await File.ReadAllTextAsync(RootOf("i-1") + "/etc/witness/me"));
        Assert.Equal(Role, await File.ReadAllTextAsync(RootOf("i-1") + "/role-seen"));
        Assert.Equal(Role, InstanceMarker.Read(StateOf("i-1"))?.Role);
    }

    [Fact]
    public async Task Register_WorkerBeforeItsMaster_IsPendingAndWaitForAssignmentCompletesIt()
    {
        await CreateDeploymentAsync(new PolicySpec { Kind = "master-workers", MasterSelection = "lowest-rank" }, workerCommands: []);
        var register = new RegisterRequest { DeploymentId = DeploymentId, InstanceId = "i-2", Token = TokenOf(2), Hostname = "node2", Addresses = [AddressOf(2)] };
        var wait = new WaitRequest { DeploymentId = DeploymentId, InstanceId = "i-2", Token = TokenOf(2), ForAssignment = true, TimeoutMs = 30_000 };

        var early = await Cms.Service.RegisterAsync(register, CancellationToken.None);
        var waiting = Cms.Service.WaitAsync(wait, CancellationToken.None);
        Assert.True(early.Pending);
        Assert.Equal(string.Empty, early.Variables["JUMPSTART_MASTER_ADDRESS"]);
        Assert.False(waiting.IsCompleted);
        await Cms.Service.RegisterAsync(register with { InstanceId = "i-1", Token = TokenOf(1), Hostname = "node1", Addresses = [AddressOf(1)] }, CancellationToken.None);
        var answer = await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(answer.Satisfied);
        var complete = Assert.IsType<RoleAssignment>(answer.Assignment);
        Assert.False(complete.Pending);
        Assert.Equal(AddressOf(1), complete.MasterAddress);
        Assert.Equal(AddressOf(1), complete.Variables["JUMPSTART_MASTER_ADDRESS"]);
        Assert.Equal(WorkerRole, complete.Variables["JUMPSTART_ROLE"]);
        Assert.Equal($"MASTER={AddressOf(1)}\n", complete.Configuration.Files.Single().Content);
    }

    [Fact]
    public async Task Apply_RoleCommandFails_ReportsFailedWithTheStepToTheCms()
    {
        await CreateDeploymentAsync(new PolicySpec { Kind = "master-workers" }, workerCommands: [["/bin/sh", "-c", "echo disk full >&2; exit 5"]]);
        await Guest(1).ApplyAsync(Metadata(1), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<GuestConfigException>(() => Guest(2).ApplyAsync(Metadata(2), CancellationToken.None));

        Assert.Equal(StepNames.ApplyRole, ex.Step);
        var failed = (await StatusAsync()).Instances.Single(i => i.InstanceId == "i-2");
        Assert.Equal(InstancePhase.Failed, failed.Phase);
        Assert.Contains("apply-role", failed.Detail, StringComparison.Ordinal);
        Assert.Contains("disk full", failed.Detail, StringComparison.Ordinal);
        Assert.Null(InstanceMarker.Read(StateOf("i-2")));
    }

    [Fact]
    public async Task Apply_WrongToken_IsRefusedAtRegisterWithoutRetrying()
    {
        await CreateDeploymentAsync(new PolicySpec { Kind = "master-workers" }, workerCommands: []);
        var metadata = Metadata(1) with { Cms = Metadata(1).Cms! with { Token = TokenOf(2) } };

        var ex = await Assert.ThrowsAsync<GuestConfigException>(() => Guest(1, retryBudget: TimeSpan.FromSeconds(30)).ApplyAsync(metadata, CancellationToken.None));

        Assert.Equal(StepNames.Register, ex.Step);
        Assert.IsNotType<CmsUnavailableException>(ex);
        Assert.True(ex.Steps.Single(s => s.Step == StepNames.Register).Duration < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Apply_CmsUnreachable_RetriesWithinTheBudgetThenFailsUnavailable()
    {
        var closedPort = ClosedLoopbackPort();
        var metadata = Metadata(1) with { Cms = new CmsEndpoint { Host = "127.0.0.1", Port = closedPort, Token = TokenOf(1) } };

        var ex = await Assert.ThrowsAsync<CmsUnavailableException>(() => Guest(1, retryBudget: TimeSpan.FromSeconds(1)).ApplyAsync(metadata, CancellationToken.None));

        Assert.Equal(StepNames.Register, ex.Step);
        Assert.Contains("attempts", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Steps.Single(s => s.Step == StepNames.Register).Duration < TimeSpan.FromSeconds(10));
    }

    private ConfigurationEngine Guest(int index, TimeSpan? retryBudget = null)
    {
        var network = new RecordingNetworkConfigurator(new NetworkLink("eth0", MacOf(index), IsLoopback: false));
        var options = new EngineOptions
        {
            Root = RootOf($"i-{index}"),
            StateDirectory = StateOf($"i-{index}"),
            RoleWaitTimeout = TimeSpan.FromSeconds(60),
            CmsRetry = new CmsRetryPolicy { Budget = retryBudget ?? TimeSpan.FromSeconds(20) },
        };
        return new ConfigurationEngine(options, network, new RecordingKernelHostname(), NullLoggerFactory.Instance);
    }

    private CloneMetadata Metadata(int index) => new()
    {
        InstanceId = $"i-{index}",
        DeploymentId = DeploymentId,
        Hostname = $"node{index}",
        Interfaces = [new InterfaceConfig { MatchMac = MacOf(index), Addresses = [AddressOf(index) + "/24"] }],
        Cms = new CmsEndpoint { Host = Cms.TcpEndPoint.Address.ToString(), Port = Cms.TcpEndPoint.Port, Token = TokenOf(index) },
    };

    private Task CreateDeploymentAsync(PolicySpec policy, IReadOnlyList<IReadOnlyList<string>> workerCommands)
        => CreateDeploymentAsync(policy, new Dictionary<string, RoleConfiguration>
        {
            [WorkerRole] = new()
            {
                Files = [new RoleFile { Path = RoleFilePath, Mode = "0640", Content = "MASTER=${MASTER_ADDRESS}\n" }],
                Commands = workerCommands,
            },
        });

    private Task CreateDeploymentAsync(PolicySpec policy, IReadOnlyDictionary<string, RoleConfiguration> roles)
        => Cms.Service.CreateDeploymentAsync(new AdminRequest
        {
            AdminToken = AdminTokenFile.LoadOrCreate(_temp.Combine("admin.token")),
            Deployment = new DeploymentSpec
            {
                DeploymentId = DeploymentId,
                Policy = policy,
                Instances = [.. Enumerable.Range(1, 3).Select(i => new ExpectedInstance { InstanceId = $"i-{i}", Token = TokenOf(i), Rank = i })],
                Roles = roles,
            },
        }, CancellationToken.None);

    private Task<DeploymentStatus> StatusAsync()
        => Cms.Service.GetDeploymentAsync(new AdminRequest { AdminToken = AdminTokenFile.LoadOrCreate(_temp.Combine("admin.token")), DeploymentId = DeploymentId }, CancellationToken.None);


    private static int ClosedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private string RootOf(string instanceId) => _temp.Combine(instanceId, "root");

    private string StateOf(string instanceId) => _temp.Combine(instanceId, "state");

    private static string MacOf(int index) => $"52:54:00:00:01:{index:x2}";

    private static string AddressOf(int index) => $"10.20.0.{index + 10}";

    private static string TokenOf(int index) => $"guest-token-{index}-0123456789";
}
