using System.Text.Json;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Cms;

/// <summary>The CMS's TCP body limit against the largest requests legitimate guests and operators send.</summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
public sealed class CmsLimitsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    /// <summary>A character every JSON encoder writes as <c>\uXXXX</c> (6 bytes): the most a field's character can cost.</summary>
    private const char Costliest = '\u0001';

    private static int FrameBytes(string method, object request)
        => JsonSerializer.SerializeToUtf8Bytes(new { jsonrpc = "2.0", id = int.MaxValue, method, @params = request }, JsonRpcWire.SerializerOptions).Length;

    [Fact]
    public async Task LargestGuestRequests_FitTheTcpBodyLimit_AndAreServed()
    {
        // Every field at the length the CMS accepts; those it only bounds by length, in their costliest characters.
        var id = new string('i', CmsLimits.MaxIdLength);
        var token = new string(Costliest, CmsLimits.MaxTokenLength);
        var spec = new DeploymentSpec
        {
            DeploymentId = new string('d', CmsLimits.MaxIdLength),
            Policy = new PolicySpec { Kind = "master-workers" },
            Instances = [new ExpectedInstance { InstanceId = id, Token = token }],
        };
        var register = new RegisterRequest
        {
            DeploymentId = spec.DeploymentId,
            InstanceId = id,
            Token = token,
            Hostname = new string('h', CmsLimits.MaxHostnameLength),
            Addresses = [.. Enumerable.Range(0, CmsLimits.MaxAddresses).Select(i => $"fd00:1234:5678:9abc:def0:1234:5678:{i:x4}/128")],
        };
        var report = new ReportRequest
        {
            DeploymentId = spec.DeploymentId,
            InstanceId = id,
            Token = token,
            Phase = InstancePhase.Configured,
            Detail = new string(Costliest, CmsLimits.MaxDetailLength),
        };
        var registerBytes = FrameBytes(CmsMethods.Register, register);
        var reportBytes = FrameBytes(CmsMethods.Report, report);
        output.WriteLine($"largest_register_bytes: {registerBytes}");
        output.WriteLine($"largest_report_bytes: {reportBytes}");
        Assert.True(Math.Max(registerBytes, reportBytes) < CmsLimits.MaxGuestRequestBytes * 3 / 4, $"a guest's largest request ({Math.Max(registerBytes, reportBytes)} bytes) is near the limit of {CmsLimits.MaxGuestRequestBytes}");

        await using var cms = await CmsServerFixture.StartAsync();
        await cms.CreateAsync(spec);
        await using var guest = await cms.ConnectAsync().WaitAsync(s_bound);
        Assert.Equal("master", (await guest.InvokeAsync<RoleAssignment>(CmsMethods.Register, register).WaitAsync(s_bound)).Role);
        Assert.Equal(InstancePhase.Configured, (await guest.InvokeAsync<PeerInfo>(CmsMethods.Report, report).WaitAsync(s_bound)).Phase);
    }

    [Fact]
    public async Task CreateDeployment_LargerThanTheGuestLimit_IsServedOverTcp()
    {
        var spec = CmsTestBed.Spec("big", 3000);
        var bytes = FrameBytes(CmsMethods.CreateDeployment, new AdminRequest { AdminToken = "x", Deployment = spec });
        Assert.True(bytes > CmsLimits.MaxGuestRequestBytes, $"the spec is only {bytes} bytes");

        await using var cms = await CmsServerFixture.StartAsync();
        await cms.CreateAsync(spec);

        await using var admin = await cms.AdminAsync();
        Assert.Equal(3000, (await admin.GetAsync("big", CancellationToken.None).WaitAsync(s_bound)).Expected);
    }
}
