using System.CommandLine;
using System.Text.Json;
using Jumpstart.Hostd.Cli.Deploy;
using Jumpstart.Hostd.Cluster.Deployments;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart deploy --cluster</c>: the same deployment over the cluster's hosts, run by the manager (from any host:
/// a member passes it on). The options below only make sense with <c>--cluster</c>.
/// </summary>
internal sealed class ClusterDeployOptions
{
    public Option<bool> Cluster { get; } = new("--cluster") { Description = "Deploy over the cluster's hosts (the manager places, distributes the bundle, and every host resumes its share)." };

    public Option<string?> Hosts { get; } = new("--hosts") { Description = "With --cluster: the hosts to use, comma-separated (default: every host that is up)." };

    public Option<string> Placement { get; } = new("--placement")
    {
        Description = "With --cluster: spread (fewest clones per host) or pack (fewest hosts).",
        DefaultValueFactory = _ => PlacementModes.Spread,
    };

    public Option<string?> Images { get; } = new("--images") { Description = "With --cluster: how the base image reaches the clones' hosts: shared, copies:K, pseudo:K or auto." };

    public Option<string?> Transport { get; } = new("--transport") { Description = "With --cluster: the bundle's transport (auto, unicast, chain, multicast; default: the manager picks)." };

    public Option<string?> Self { get; } = new("--self") { Description = "With --cluster: a self script file every clone runs after taking its identity (at most 64 KiB)." };

    /// <summary>Refuses the cluster-only options without --cluster.</summary>
    public void RequireNone(ParseResult parse)
    {
        foreach (var option in new Option[] { Hosts, Images, Transport, Self })
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                throw new CliUsageException($"{option.Name} needs --cluster");
            }
        }

        if (parse.GetResult(Placement) is { Implicit: false })
        {
            throw new CliUsageException("--placement needs --cluster");
        }
    }

    /// <summary>Sends the deployment to the manager through hostd and prints its report; exit 0 when every instance has its role.</summary>
    public static async Task<int> RunAsync(JsonRpcPeer connection, ClusterDeployOptions cluster, ParseResult parse, DeployOptions options, string? reportFile, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        var hosts = parse.GetValue(cluster.Hosts) is { } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        string? self = null;
        if (parse.GetValue(cluster.Self) is { } selfFile)
        {
            self = System.Text.Encoding.UTF8.GetString(await BoundedFile.ReadAllBytesAsync(selfFile, ClusterDeployer.MaxSelfScriptBytes, cancellationToken));
        }

        var request = new ClusterDeployRequest
        {
            DeploymentId = options.DeploymentId,
            Count = options.Count,
            Hosts = hosts,
            Placement = parse.GetRequiredValue(cluster.Placement),
            Bundle = options.Bundle,
            SpecFile = options.TemplateSpecFile is null ? null : Path.GetFullPath(options.TemplateSpecFile),
            MemoryFormat = options.MemoryFormat,
            Cold = options.ColdBoot,
            Images = parse.GetValue(cluster.Images),
            Transport = parse.GetValue(cluster.Transport),
            Policy = options.Policy,
            FirstAddress = options.FirstAddress,
            Gateway = options.Gateway,
            TimeoutSeconds = (int)options.Timeout.TotalSeconds,
            WarmUp = options.WarmUp,
            ReadyMarker = options.ReadyMarker,
            SelfScript = self,
        };
        JsonElement answer;
        try
        {
            answer = await connection.InvokeAsync<JsonElement>(ClusterMethods.Deploy, request, cancellationToken);
        }
        catch (StreamJsonRpc.ConnectionLostException)
        {
            // The manager running it died (or this hostd did): with several managers the new leader carries it on.
            await parse.InvocationConfiguration.Error.WriteLineAsync($"jumpstart: the deployment's manager went away; with several managers the new leader carries deployment {request.DeploymentId} on: 'jumpstart deployment wait {request.DeploymentId}' on any host follows it");
            throw;
        }

        var report = answer.Deserialize<ClusterDeployReport>(JsonRpcWire.SerializerOptions)
            ?? throw new InvalidDataException("hostd answered cluster.deploy with nothing");
        if (reportFile is not null)
        {
            await File.WriteAllTextAsync(reportFile, CliOutput.ToJson(report), cancellationToken);
        }

        await CliOutput.WriteAsync(output, json, report, ClusterDeployTable.Format);
        if (report.Complete)
        {
            return ExitCodes.Ok;
        }

        var error = parse.InvocationConfiguration.Error;
        await error.WriteLineAsync($"jumpstart: deployment {report.DeploymentId} is {report.State}: {report.Message}");

        // 1: something is missing or failed for good; 75: instances still configuring when the timeout ran out.
        return report.Missing.Count > 0 || report.Failed.Count > 0 ? ExitCodes.Failure : ExitCodes.TempFail;
    }
}
