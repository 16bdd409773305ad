using System.Text.Json;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.JsonRpc.Interop;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cms;

/// <summary>An independent JSON-RPC implementation (npm vscode-jsonrpc) acting as a guest against the CMS.</summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
public sealed class CmsVscodeGuestTests
{
    [ToolFact("node")]
    public async Task VscodeJsonRpcGuest_RegistersReportsWaitsAndIsRefusedAsAnotherInstance()
    {
        await using var cms = await CmsServerFixture.StartAsync();
        await cms.CreateAsync(CmsTestBed.Spec("d1", 2));
        var script = Path.Combine(VscodePeer.InteropDirectory, "cms-guest.js");
        Assert.True(Directory.Exists(Path.Combine(VscodePeer.InteropDirectory, "node_modules", "vscode-jsonrpc")), "run packaging/setup (npm ci in tests/interop)");

        var result = await ProcessRunner.RunAsync(
            Requirements.RequireTool("node"),
            [script, cms.EndPoint.ToString(), "d1", CmsTestBed.InstanceId(0), CmsTestBed.TokenOf("d1", 0), CmsTestBed.InstanceId(1)],
            new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(60) });

        Assert.True(result.Succeeded, $"node guest failed ({result.ExitCode}, timed out: {result.TimedOut}): {result.StandardError}");
        using var document = JsonDocument.Parse(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        var root = document.RootElement;
        Assert.Equal("master", root.GetProperty("register").GetProperty("role").GetString());
        Assert.Equal("master", root.GetProperty("again").GetProperty("role").GetString());
        Assert.Equal("192.0.2.10", root.GetProperty("register").GetProperty("variables").GetProperty("MASTER_ADDRESS").GetString());
        Assert.Equal(InstancePhase.Ready, root.GetProperty("report").GetProperty("phase").GetString());
        Assert.True(root.GetProperty("wait").GetProperty("satisfied").GetBoolean());
        Assert.Equal("js-" + CmsTestBed.InstanceId(0), root.GetProperty("peers")[0].GetProperty("hostname").GetString());
        Assert.Equal(CmsErrorCodes.Unauthorized, root.GetProperty("stolenCode").GetInt32());
        Assert.Equal(JsonRpcErrorCodes.InvalidParams, root.GetProperty("malformedCode").GetInt32());

        await using var admin = await cms.AdminAsync();
        var status = await admin.GetAsync("d1", CancellationToken.None);
        Assert.Equal(InstancePhase.Waiting, status.Instances.Single(i => i.InstanceId == CmsTestBed.InstanceId(1)).Phase);
        Assert.Equal("from node", status.Instances.Single(i => i.InstanceId == CmsTestBed.InstanceId(0)).Detail);
    }
}
