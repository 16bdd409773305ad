using System.Globalization;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Cms;

/// <summary>A CMS over a real SQLite file in a per-test directory, plus helpers to build deployments and requests.</summary>
internal sealed class CmsTestBed : IAsyncDisposable
{
    public const string AdminToken = "admin-token-for-tests";

    private CmsTestBed(TempDirectory directory, CmsService service)
    {
        Directory = directory;
        Service = service;
    }

    public TempDirectory Directory { get; }

    public CmsService Service { get; private set; }

    public string DatabasePath => Directory.Combine("cms.db");

    public static async Task<CmsTestBed> StartAsync(int maxWaitMs = 30_000)
    {
        var directory = new TempDirectory("cms");
        var service = await CmsService.OpenAsync(System.IO.Path.Combine(directory.Path, "cms.db"), AdminToken, maxWaitMs);
        return new CmsTestBed(directory, service);
    }

    /// <summary>Stops the service and opens the same database again, as a CMS restart does.</summary>
    public async Task RestartAsync()
    {
        Service.Dispose();
        Service = await CmsService.OpenAsync(DatabasePath, AdminToken);
    }

    public static string InstanceId(int index) => $"i-{index:D4}";

    public static string TokenOf(string deploymentId, int index) => $"token-{deploymentId}-{index:D4}-secret";

    public static DeploymentSpec Spec(
        string deploymentId,
        int count,
        PolicySpec? policy = null,
        Func<int, int?>? rank = null,
        IReadOnlyDictionary<string, RoleConfiguration>? roles = null) => new()
    {
        DeploymentId = deploymentId,
        Policy = policy ?? new PolicySpec { Kind = "master-workers" },
        Instances = [.. Enumerable.Range(0, count).Select(i => new ExpectedInstance
        {
            InstanceId = InstanceId(i),
            Token = TokenOf(deploymentId, i),
            Rank = rank?.Invoke(i),
        })],
        Roles = roles ?? new Dictionary<string, RoleConfiguration>(),
    };

    public Task<DeploymentStatus> CreateAsync(DeploymentSpec spec)
        => Service.CreateDeploymentAsync(new AdminRequest { AdminToken = AdminToken, Deployment = spec }, CancellationToken.None);

    public Task<DeploymentStatus> StatusAsync(string deploymentId)
        => Service.GetDeploymentAsync(new AdminRequest { AdminToken = AdminToken, DeploymentId = deploymentId }, CancellationToken.None);

    public static string AddressOf(int index) => $"10.0.{index / 250}.{(index % 250) + 1}";

    public static RegisterRequest Register(string deploymentId, int index, string? token = null) => new()
    {
        DeploymentId = deploymentId,
        InstanceId = InstanceId(index),
        Token = token ?? TokenOf(deploymentId, index),
        Hostname = "host-" + index.ToString(CultureInfo.InvariantCulture),
        Addresses = [AddressOf(index) + "/24"],
    };

    public Task<RoleAssignment> RegisterAsync(string deploymentId, int index)
        => Service.RegisterAsync(Register(deploymentId, index), CancellationToken.None);

    public Task<PeerInfo> ReportAsync(string deploymentId, int index, string phase, string? detail = null)
        => Service.ReportAsync(
            new ReportRequest { DeploymentId = deploymentId, InstanceId = InstanceId(index), Token = TokenOf(deploymentId, index), Phase = phase, Detail = detail },
            CancellationToken.None);

    public static WaitRequest Wait(string deploymentId, int index, string? role = null, string? phase = null, int? minCount = null, int timeoutMs = 10_000) => new()
    {
        DeploymentId = deploymentId,
        InstanceId = InstanceId(index),
        Token = TokenOf(deploymentId, index),
        Role = role,
        Phase = phase,
        MinCount = minCount,
        TimeoutMs = timeoutMs,
    };

    public ValueTask DisposeAsync()
    {
        Service.Dispose();
        Directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
