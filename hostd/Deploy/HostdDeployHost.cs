using System.Text.Json;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Hostd.Deploy;

/// <summary>
/// <see cref="IDeployHost"/> over hostd's control socket: each operation is one JSON-RPC call to
/// the template, clone and VM methods hostd serves.
/// </summary>
public sealed class HostdDeployHost(JsonRpcConnection connection) : IDeployHost
{
    public async Task<string> CreateBundleAsync(string specFile, string memoryFormat, Action<string> progress, CancellationToken cancellationToken)
    {
        var result = await connection.InvokeAsync<JsonElement>(
            "template.create",
            new { specFile = Path.GetFullPath(specFile), memoryFormat },
            cancellationToken);
        return result.GetProperty("bundle").GetString() ?? throw new InvalidDataException("template.create returned no bundle");
    }

    public async Task<IReadOnlyList<CloneTimeline>> CloneAsync(string bundle, DeployClones clones, Action<string> progress, CancellationToken cancellationToken)
    {
        var result = await connection.InvokeAsync<JsonElement>("clone.create", new { bundle = Path.GetFullPath(bundle), clones }, cancellationToken);
        return Timelines(result);
    }

    public async Task<IReadOnlyList<CloneTimeline>> ColdBootAsync(string specFile, DeployClones clones, Action<string> progress, CancellationToken cancellationToken)
    {
        var result = await connection.InvokeAsync<JsonElement>("vm.boot", new { specFile = Path.GetFullPath(specFile), clones }, cancellationToken);
        return Timelines(result);
    }

    private static List<CloneTimeline> Timelines(JsonElement result)
        => [.. result.GetProperty("clones").EnumerateArray().Select(c => c.Deserialize<CloneTimeline>(JsonSerializerOptions.Web)
            ?? throw new InvalidDataException("a clone without a timeline"))];
}
