using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Jumpstart.Hostd.Cluster.Deployments;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart deployment wait ID</c>: follows a cluster deployment to its end from any host, through a change of
/// leader. The client whose <c>deploy --cluster</c> went to a leader that died gets an error, not the report; the new
/// leader carries the deployment on, and this waits for it. Asks the manager (through the local hostd, which relays and
/// fails over between managers) every <see cref="Interval"/>; while no manager answers (an election under way, the
/// manager restarting) it keeps asking, saying so once on stderr.
/// Exit 0 complete; 1 incomplete, failed or interrupted; 75 the timeout ran out first; 66 no such deployment.
/// </summary>
public static class DeploymentWaitCommand
{
    /// <summary>How often the manager is asked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>How long it waits unless told otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public static Command Create(Option<bool> json)
    {
        var id = new Argument<string>("id") { Description = "The cluster deployment's id." };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the deployment to end.",
            DefaultValueFactory = _ => (int)DefaultTimeout.TotalSeconds,
        };
        var socket = HostdConnection.CreateSocketOption();
        var command = new Command("wait", "Wait until a cluster deployment ends (through a change of leader) and print its record and report.") { id, timeout, socket };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, new HostdCall.Options(socket, json), cancellationToken, async (hostd, asJson, output) =>
        {
            var seconds = parse.GetValue(timeout);
            if (seconds <= 0)
            {
                throw new CliUsageException("--timeout must be a positive number of seconds");
            }

            var view = await WaitAsync(hostd, parse.GetRequiredValue(id), TimeSpan.FromSeconds(seconds), parse.InvocationConfiguration.Error, cancellationToken);
            if (view is null || view.State is ClusterDeploymentStates.Deploying or ClusterDeploymentStates.Removing)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"jumpstart: deployment {parse.GetRequiredValue(id)} is still {view?.State ?? "unknown (no manager answered)"} after {seconds} s"));
                return ExitCodes.TempFail;
            }

            await CliOutput.WriteAsync(output, asJson, view, ClusterDeployTable.FormatView);
            return view.State == ClusterDeploymentStates.Complete ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return command;
    }

    /// <summary>The deployment's view once it ended, or the last one seen (null when none) when <paramref name="timeout"/> ran out.</summary>
    /// <exception cref="RemoteInvocationException">The manager answered with an error that waiting does not cure (no such deployment, not in a cluster).</exception>
    private static async Task<ClusterDeploymentView?> WaitAsync(JsonRpcPeer hostd, string id, TimeSpan timeout, TextWriter error, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        ClusterDeploymentView? view = null;
        string? said = null;
        while (true)
        {
            string note;
            try
            {
                var answer = await hostd.InvokeAsync<JsonElement>(ClusterMethods.DeploymentShow, new ClusterDeploymentIdRequest { DeploymentId = id }, cancellationToken);
                view = answer.Deserialize<ClusterDeploymentView>(JsonRpcWire.SerializerOptions)!;
                if (view.State is not (ClusterDeploymentStates.Deploying or ClusterDeploymentStates.Removing))
                {
                    return view;
                }

                var ready = view.Placements.Count(p => p.State == PlacementStates.Ready);
                note = string.Create(CultureInfo.InvariantCulture, $"{view.State}: {ready} of {view.Placements.Count} instance(s) ready");
            }
            catch (RemoteInvocationException ex) when (Passing(ex.ErrorCode) && !IsNotInACluster(ex))
            {
                note = $"no answer from a manager yet ({ex.Message}); still waiting";
            }

            if (note != said)
            {
                await error.WriteLineAsync($"[deployment.wait] {note}");
                said = note;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return view;
            }

            await Task.Delay(left < Interval ? left : Interval, cancellationToken);
        }
    }

    /// <summary>Errors of a change of leader or a manager restarting: asking again later may succeed.</summary>
    private static bool Passing(int code)
        => code is ClusterErrorCodes.NotManager or ClusterErrorCodes.Unreachable or HostErrorCodes.Unavailable;

    private static bool IsNotInACluster(RemoteInvocationException ex)
        => ex.ErrorCode == ClusterErrorCodes.NotManager && ex.Message.Contains("in no cluster", StringComparison.Ordinal);
}
