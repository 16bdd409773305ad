using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.Json;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using StreamJsonRpc;
using Xunit;

namespace Jumpstart.Tests.Cms;

/// <summary>The CMS through real JSON-RPC over loopback TCP and a unix socket.</summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
[SupportedOSPlatform("linux")]
public sealed class CmsServerTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RegisterOverTcp_ReturnsRolesAndRefusesAStolenTokenWithUnauthorized()
    {
        await using var cms = await CmsServerFixture.StartAsync();
        await cms.CreateAsync(CmsTestBed.Spec("d1", 2));
        await using var master = await cms.ConnectAsync();
        await using var worker = await cms.ConnectAsync();

        var first = await master.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("d1", 0)).WaitAsync(s_bound);
        var stolen = await Assert.ThrowsAsync<RemoteInvocationException>(
            () => worker.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("d1", 1, token: CmsTestBed.TokenOf("d1", 0))).WaitAsync(s_bound));
        var second = await worker.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("d1", 1)).WaitAsync(s_bound);

        Assert.Equal("master", first.Role);
        Assert.Equal(CmsErrorCodes.Unauthorized, stolen.ErrorCode);
        Assert.Equal("worker", second.Role);
        Assert.Equal(CmsTestBed.AddressOf(0), second.MasterAddress);
    }

    [Fact]
    public async Task MalformedParams_AreInvalidParamsAndChangeNothing()
    {
        await using var cms = await CmsServerFixture.StartAsync();
        await cms.CreateAsync(CmsTestBed.Spec("d1", 2));
        await using var client = await cms.ConnectAsync();
        await using var admin = await cms.AdminAsync();
        var before = JsonSerializer.Serialize(await admin.GetAsync("d1", CancellationToken.None));

        // Missing required members, wrong types, positional params, no params at all.
        object?[] malformed =
        [
            new { deploymentId = "d1", instanceId = CmsTestBed.InstanceId(0) },
            new { deploymentId = "d1", instanceId = CmsTestBed.InstanceId(0), token = CmsTestBed.TokenOf("d1", 0), hostname = 42 },
            new object?[] { "d1", CmsTestBed.InstanceId(0) },
            null,
        ];
        foreach (var parameters in malformed)
        {
            var ex = await Assert.ThrowsAsync<RemoteInvocationException>(
                () => client.InvokeAsync<RoleAssignment>(CmsMethods.Register, parameters).WaitAsync(s_bound));
            Assert.Equal(JsonRpcErrorCodes.InvalidParams, ex.ErrorCode);
        }

        Assert.Equal(before, JsonSerializer.Serialize(await admin.GetAsync("d1", CancellationToken.None)));
    }

    [Fact]
    public async Task UnknownDeploymentOverTheWire_HasItsOwnErrorCode()
    {
        await using var cms = await CmsServerFixture.StartAsync();
        await using var client = await cms.ConnectAsync();

        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(
            () => client.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("ghost", 0)).WaitAsync(s_bound));

        Assert.Equal(CmsErrorCodes.UnknownDeployment, ex.ErrorCode);
    }

    [Fact]
    public async Task DeleteIfPresent_ASecondDelete_AnswersFalse_WhereDeleteIsRefusedAsUnknown_AndOtherRefusalsStillThrow()
    {
        await using var cms = await CmsServerFixture.StartAsync();
        await cms.CreateAsync(CmsTestBed.Spec("d1", 2));
        await using var admin = await cms.AdminAsync();

        // A cluster removal run again as its exit 75 asks deletes the waiting list a second time.
        Assert.True(await admin.DeleteIfPresentAsync("d1", CancellationToken.None).WaitAsync(s_bound));
        Assert.False(await admin.DeleteIfPresentAsync("d1", CancellationToken.None).WaitAsync(s_bound));
        var unknown = await Assert.ThrowsAsync<RemoteInvocationException>(() => admin.DeleteAsync("d1", CancellationToken.None).WaitAsync(s_bound));
        Assert.Equal(CmsErrorCodes.UnknownDeployment, unknown.ErrorCode);

        await using var wrongToken = await CmsAdminClient.ConnectAsync(cms.EndPoint, "not-the-admin-token", CancellationToken.None);
        var refused = await Assert.ThrowsAsync<RemoteInvocationException>(() => wrongToken.DeleteIfPresentAsync("d1", CancellationToken.None).WaitAsync(s_bound));
        Assert.Equal(CmsErrorCodes.Unauthorized, refused.ErrorCode);
    }

    [Fact]
    public async Task WaitOverTheWire_IsWokenByAnotherConnectionsReport()
    {
        await using var cms = await CmsServerFixture.StartAsync();
        await cms.CreateAsync(CmsTestBed.Spec("d1", 2));
        await using var master = await cms.ConnectAsync();
        await using var worker = await cms.ConnectAsync();
        await master.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("d1", 0));
        await worker.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("d1", 1));

        var waiting = worker.InvokeAsync<WaitResult>(CmsMethods.Wait, CmsTestBed.Wait("d1", 1, role: "master", phase: InstancePhase.Ready, timeoutMs: 60_000));
        await master.InvokeAsync<PeerInfo>(CmsMethods.Report, new ReportRequest
        {
            DeploymentId = "d1",
            InstanceId = CmsTestBed.InstanceId(0),
            Token = CmsTestBed.TokenOf("d1", 0),
            Phase = InstancePhase.Ready,
        });
        var result = await waiting.WaitAsync(s_bound);

        Assert.True(result.Satisfied);
        Assert.Equal(CmsTestBed.InstanceId(0), Assert.Single(result.Matching).InstanceId);
    }

    [Fact]
    public async Task Restart_OfTheServer_KeepsRolesAndAnswersOnTheNewPort()
    {
        await using var cms = await CmsServerFixture.StartAsync();
        await cms.CreateAsync(CmsTestBed.Spec("d1", 2));
        RoleAssignment before;
        await using (var client = await cms.ConnectAsync())
        {
            before = await client.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("d1", 1));
        }

        await cms.RestartAsync();
        await using var again = await cms.ConnectAsync();
        var after = await again.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("d1", 1)).WaitAsync(s_bound);

        Assert.Equal("master", before.Role);
        Assert.Equal(before.Role, after.Role);
    }

    [Fact]
    public async Task AdminOverTheUnixSocket_ListsDeployments()
    {
        await using var cms = await CmsServerFixture.StartAsync();
        await cms.CreateAsync(CmsTestBed.Spec("d1", 4));

        await using var admin = await CmsAdminClient.ConnectAsync(new UnixDomainSocketEndPoint(cms.Options.UnixSocketPath!), cms.AdminToken, CancellationToken.None);
        var list = await admin.ListAsync(CancellationToken.None).WaitAsync(s_bound);

        var only = Assert.Single(list);
        Assert.Equal("d1", only.DeploymentId);
        Assert.Equal(4, only.Expected);
    }

    [Fact]
    public async Task Start_GeneratesAnAdminTokenFileReadableOnlyByItsOwner()
    {
        await using var cms = await CmsServerFixture.StartAsync();

        var mode = File.GetUnixFileMode(cms.Options.AdminTokenFile);
        var token = cms.AdminToken;
        await cms.RestartAsync();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Assert.True(token.Length >= 32);
        Assert.Equal(token, cms.AdminToken);
    }

    [Fact]
    public async Task AdminCall_WithTheWrongToken_IsUnauthorizedOverTheWire()
    {
        await using var cms = await CmsServerFixture.StartAsync();
        await using var admin = await CmsAdminClient.ConnectAsync(cms.EndPoint, "not-the-token", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<RemoteInvocationException>(() => admin.CreateAsync(CmsTestBed.Spec("d1", 1), CancellationToken.None).WaitAsync(s_bound));

        Assert.Equal(CmsErrorCodes.Unauthorized, ex.ErrorCode);
        await using var real = await cms.AdminAsync();
        Assert.Empty(await real.ListAsync(CancellationToken.None));
    }
}
