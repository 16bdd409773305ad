using System.Text.Json;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cms;

[Trait(Capabilities.Trait, Capabilities.Cms)]
public sealed class CmsSecurityTests
{
    private static async Task<string> SnapshotAsync(CmsTestBed bed)
        => JsonSerializer.Serialize(await bed.Service.ListDeploymentsAsync(new AdminRequest { AdminToken = CmsTestBed.AdminToken }, CancellationToken.None))
            + JsonSerializer.Serialize(await bed.StatusAsync("d1"));

    private static async Task<CmsTestBed> StartWithOneRegisteredAsync()
    {
        var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3));
        await bed.RegisterAsync("d1", 0);
        return bed;
    }

    [Fact]
    public async Task Register_WithAnotherInstancesToken_IsUnauthorizedAndChangesNothing()
    {
        await using var bed = await StartWithOneRegisteredAsync();
        var before = await SnapshotAsync(bed);

        await CmsAssert.RefusedAsync(
            CmsErrorCodes.Unauthorized,
            () => bed.Service.RegisterAsync(CmsTestBed.Register("d1", 1, token: CmsTestBed.TokenOf("d1", 2)), CancellationToken.None));

        Assert.Equal(before, await SnapshotAsync(bed));
    }

    [Fact]
    public async Task ReportPeersWaitHeartbeat_WithAnotherInstancesToken_AreUnauthorized()
    {
        await using var bed = await StartWithOneRegisteredAsync();
        await bed.RegisterAsync("d1", 1);
        var before = await SnapshotAsync(bed);
        var stolen = CmsTestBed.TokenOf("d1", 1);
        var victim = CmsTestBed.InstanceId(0);

        await CmsAssert.RefusedAsync(CmsErrorCodes.Unauthorized, () => bed.Service.ReportAsync(
            new ReportRequest { DeploymentId = "d1", InstanceId = victim, Token = stolen, Phase = InstancePhase.Failed }, CancellationToken.None));
        await CmsAssert.RefusedAsync(CmsErrorCodes.Unauthorized, () => bed.Service.PeersAsync(
            new PeersRequest { DeploymentId = "d1", InstanceId = victim, Token = stolen }, CancellationToken.None));
        await CmsAssert.RefusedAsync(CmsErrorCodes.Unauthorized, () => bed.Service.WaitAsync(
            new WaitRequest { DeploymentId = "d1", InstanceId = victim, Token = stolen, TimeoutMs = 0 }, CancellationToken.None));
        await CmsAssert.RefusedAsync(CmsErrorCodes.Unauthorized, () => bed.Service.HeartbeatAsync(
            new HeartbeatRequest { DeploymentId = "d1", InstanceId = victim, Token = stolen }, CancellationToken.None));

        Assert.Equal(before, await SnapshotAsync(bed));
    }

    [Fact]
    public async Task Token_FromAnotherDeployment_IsUnauthorized()
    {
        await using var bed = await StartWithOneRegisteredAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d2", 3));
        var before = await SnapshotAsync(bed);

        await CmsAssert.RefusedAsync(
            CmsErrorCodes.Unauthorized,
            () => bed.Service.RegisterAsync(CmsTestBed.Register("d1", 1, token: CmsTestBed.TokenOf("d2", 1)), CancellationToken.None));

        Assert.Equal(before, await SnapshotAsync(bed));
    }

    [Fact]
    public async Task Register_UnknownDeployment_IsRefusedWithUnknownDeployment()
    {
        await using var bed = await StartWithOneRegisteredAsync();
        var before = await SnapshotAsync(bed);

        await CmsAssert.RefusedAsync(
            CmsErrorCodes.UnknownDeployment,
            () => bed.Service.RegisterAsync(CmsTestBed.Register("nope", 1, token: CmsTestBed.TokenOf("d1", 1)), CancellationToken.None));

        Assert.Equal(before, await SnapshotAsync(bed));
    }

    [Fact]
    public async Task Register_UnknownInstance_IsUnauthorized()
    {
        await using var bed = await StartWithOneRegisteredAsync();

        await CmsAssert.RefusedAsync(
            CmsErrorCodes.Unauthorized,
            () => bed.Service.RegisterAsync(CmsTestBed.Register("d1", 7), CancellationToken.None));
    }

    public static TheoryData<string, string> MalformedRegistrations => new()
    {
        { "empty hostname", "" },
        { "hostname with a shell metacharacter", "a;rm -rf" },
        { "address that is not an IP", "not-an-ip" },
        { "address with a prefix that is too long", "10.0.0.1/33" },
        { "address with an injected newline", "10.0.0.1\nX=1" },
    };

    [Theory]
    [MemberData(nameof(MalformedRegistrations))]
    public async Task Register_Malformed_IsInvalidParamsAndChangesNothing(string what, string value)
    {
        await using var bed = await StartWithOneRegisteredAsync();
        var before = await SnapshotAsync(bed);
        var request = what.Contains("hostname", StringComparison.Ordinal)
            ? CmsTestBed.Register("d1", 1) with { Hostname = value }
            : CmsTestBed.Register("d1", 1) with { Addresses = [value] };

        await CmsAssert.RefusedAsync(JsonRpcErrorCodes.InvalidParams, () => bed.Service.RegisterAsync(request, CancellationToken.None));

        Assert.Equal(before, await SnapshotAsync(bed));
    }

    [Fact]
    public async Task Report_UnknownPhaseOrHugeDetail_IsInvalidParamsAndChangesNothing()
    {
        await using var bed = await StartWithOneRegisteredAsync();
        var before = await SnapshotAsync(bed);

        await CmsAssert.RefusedAsync(JsonRpcErrorCodes.InvalidParams, () => bed.ReportAsync("d1", 0, "exploded"));
        await CmsAssert.RefusedAsync(JsonRpcErrorCodes.InvalidParams, () => bed.ReportAsync("d1", 0, InstancePhase.Ready, new string('x', 5000)));
        await CmsAssert.RefusedAsync(JsonRpcErrorCodes.InvalidParams, () => bed.Service.ReportAsync(null!, CancellationToken.None));

        Assert.Equal(before, await SnapshotAsync(bed));
    }

    [Fact]
    public async Task AdminCalls_WithABadAdminToken_AreUnauthorizedAndChangeNothing()
    {
        await using var bed = await StartWithOneRegisteredAsync();
        var before = await SnapshotAsync(bed);

        await CmsAssert.RefusedAsync(CmsErrorCodes.Unauthorized, () => bed.Service.CreateDeploymentAsync(
            new AdminRequest { AdminToken = "guess", Deployment = CmsTestBed.Spec("d9", 1) }, CancellationToken.None));
        await CmsAssert.RefusedAsync(CmsErrorCodes.Unauthorized, () => bed.Service.DeleteDeploymentAsync(
            new AdminRequest { AdminToken = CmsTestBed.TokenOf("d1", 0), DeploymentId = "d1" }, CancellationToken.None));
        await CmsAssert.RefusedAsync(CmsErrorCodes.Unauthorized, () => bed.Service.ListDeploymentsAsync(
            new AdminRequest { AdminToken = "" }, CancellationToken.None));

        Assert.Equal(before, await SnapshotAsync(bed));
    }

    [Fact]
    public async Task CreateDeployment_ExistingId_IsRefusedAndKeepsTheOriginal()
    {
        await using var bed = await StartWithOneRegisteredAsync();
        var before = await SnapshotAsync(bed);

        await CmsAssert.RefusedAsync(CmsErrorCodes.DeploymentExists, () => bed.CreateAsync(CmsTestBed.Spec("d1", 5)));

        Assert.Equal(before, await SnapshotAsync(bed));
    }

    public static TheoryData<string> InvalidSpecs => ["duplicate id", "shared token", "unknown policy", "lowest-rank without ranks", "relative policy path", "empty command", "bad mode", "bad id"];

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public async Task CreateDeployment_InvalidSpec_IsInvalidParamsAndStoresNothing(string problem)
    {
        await using var bed = await StartWithOneRegisteredAsync();
        var before = await SnapshotAsync(bed);
        var spec = CmsTestBed.Spec("d2", 3);
        spec = problem switch
        {
            "duplicate id" => spec with { Instances = [spec.Instances[0], spec.Instances[0] with { Token = "other-token" }] },
            "shared token" => spec with { Instances = [spec.Instances[0], spec.Instances[1] with { Token = spec.Instances[0].Token }] },
            "unknown policy" => spec with { Policy = new PolicySpec { Kind = "dictator" } },
            "lowest-rank without ranks" => spec with { Policy = new PolicySpec { Kind = "master-workers", MasterSelection = "lowest-rank" } },
            "relative policy path" => spec with { Policy = new PolicySpec { Kind = "external", Executable = "policy.sh" } },
            "empty command" => spec with { Roles = new Dictionary<string, RoleConfiguration> { ["master"] = new() { Commands = [[]] } } },
            "bad mode" => spec with { Roles = new Dictionary<string, RoleConfiguration> { ["master"] = new() { Files = [new RoleFile { Path = "/x", Mode = "rwx", Content = "" }] } } },
            "bad id" => spec with { DeploymentId = "../etc" },
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };

        await CmsAssert.RefusedAsync(JsonRpcErrorCodes.InvalidParams, () => bed.CreateAsync(spec));

        Assert.Equal(before, await SnapshotAsync(bed));
    }
}
