using System.CommandLine;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Hostd.Cli;

/// <summary><c>jumpstart deployment ...</c>: create and inspect CMS deployments (admin token required).</summary>
public static class DeploymentCommands
{
    /// <summary>Where <c>--admin-token-file</c> points by default (the CMS's default).</summary>
    public static readonly string DefaultAdminTokenFile = new CmsOptions().AdminTokenFile;

    public static Command Create()
    {
        var cms = new Option<string>("--cms")
        {
            Description = "The CMS: host:port, or a unix socket as /path or unix:/path.",
            DefaultValueFactory = _ => CmsOptions.DefaultListen,
            Recursive = true,
        };
        var tokenFile = new Option<string>("--admin-token-file")
        {
            Description = "File holding the CMS admin token.",
            DefaultValueFactory = _ => DefaultAdminTokenFile,
            Recursive = true,
        };
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts.", Recursive = true };
        var deployment = new Command("deployment", "Deployments on a CMS: waiting lists, policies and role templates.") { cms, tokenFile, json };
        var connection = new ConnectionOptions(cms, tokenFile, json);
        deployment.Subcommands.Add(CreateCreate(connection));
        deployment.Subcommands.Add(CreateShow(connection));
        deployment.Subcommands.Add(CreateList(connection));
        deployment.Subcommands.Add(CreateDelete(connection));
        deployment.Subcommands.Add(CreateRemove(json));
        deployment.Subcommands.Add(DeploymentWaitCommand.Create(json));
        return deployment;
    }

    /// <summary><c>deployment remove ID</c>: a cluster deployment off every host (its VMs, taps, disks, waiting list), through the manager.</summary>
    private static Command CreateRemove(Option<bool> json)
    {
        var id = new Argument<string>("id") { Description = "The cluster deployment's id." };
        var socket = HostdConnection.CreateSocketOption();
        var command = new Command("remove", "Stop every VM of a cluster deployment on every host, free its taps and disks, delete its waiting list, and forget it.") { id, socket };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, new HostdCall.Options(socket, json), cancellationToken, async (connection, asJson, output) =>
        {
            var answer = await connection.InvokeAsync<System.Text.Json.JsonElement>(
                Shared.Cluster.ClusterMethods.DeploymentRemove, new Shared.Cluster.ClusterDeploymentIdRequest { DeploymentId = parse.GetRequiredValue(id) }, cancellationToken);
            var result = System.Text.Json.JsonSerializer.Deserialize<Shared.Cluster.ClusterRemoveDeploymentResult>(answer, Shared.JsonRpc.JsonRpcWire.SerializerOptions)!;
            await CliOutput.WriteAsync(output, asJson, result, r => string.Join('\n', r.Hosts.Select(h => h.Error is null
                ? $"{h.Host}: stopped {h.Stopped.Count} VM(s){(h.Stopped.Count > 0 ? ": " + string.Join(", ", h.Stopped) : string.Empty)}"
                : $"{h.Host}: not reached: {h.Error}")) + (r.Succeeded ? $"\nremoved deployment {r.DeploymentId}" : $"\ndeployment {r.DeploymentId} is kept until every host is reached: run this again"));
            return result.Succeeded ? ExitCodes.Ok : ExitCodes.TempFail;
        }));
        return command;
    }

    private static Command CreateCreate(ConnectionOptions connection)
    {
        var spec = new Option<string>("--spec") { Description = "Deployment spec file (.json, .yaml or .yml).", Required = true };
        var command = new Command("create", "Create a deployment from a spec file.") { spec };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            // A spec that is not one is refused here, before the CMS is asked anything.
            var loaded = await DeploymentSpecFile.LoadAsync(parse.GetRequiredValue(spec), cancellationToken);
            return await ConnectedAsync(parse, connection, cancellationToken, async (client, output) =>
            {
                var status = await client.CreateAsync(loaded, cancellationToken);
                await CliOutput.WriteAsync(output, parse.GetValue(connection.Json), status, s => $"created deployment {s.DeploymentId}: {s.Expected} instances, policy {s.PolicyKind}");
                return ExitCodes.Ok;
            });
        }));
        return command;
    }

    private static Command CreateShow(ConnectionOptions connection)
    {
        var id = new Argument<string>("id") { Description = "The deployment id." };
        var cluster = new Option<bool>("--cluster") { Description = "A cluster deployment: its record, where each instance runs, and its last report (from the manager)." };
        var socket = HostdConnection.CreateSocketOption();
        var command = new Command("show", "Show a deployment and every instance of its waiting list.") { id, cluster, socket };
        command.SetAction((parse, cancellationToken) => parse.GetValue(cluster)
            ? HostdCall.RunAsync(parse, new HostdCall.Options(socket, connection.Json), cancellationToken, async (hostd, json, output) =>
            {
                var answer = await hostd.InvokeAsync<System.Text.Json.JsonElement>(
                    Shared.Cluster.ClusterMethods.DeploymentShow, new Shared.Cluster.ClusterDeploymentIdRequest { DeploymentId = parse.GetRequiredValue(id) }, cancellationToken);
                var view = System.Text.Json.JsonSerializer.Deserialize<Cluster.Deployments.ClusterDeploymentView>(answer, Shared.JsonRpc.JsonRpcWire.SerializerOptions)!;
                await CliOutput.WriteAsync(output, json, view, ClusterDeployTable.FormatView);
                return ExitCodes.Ok;
            })
            : RunAsync(parse, connection, cancellationToken, async (client, output) =>
        {
            var status = await client.GetAsync(parse.GetRequiredValue(id), cancellationToken);
            await CliOutput.WriteAsync(output, parse.GetValue(connection.Json), status, DeploymentTable.Format);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateList(ConnectionOptions connection)
    {
        var cluster = new Option<bool>("--cluster") { Description = "List the cluster's deployments (from the manager) instead of a CMS's." };
        var socket = HostdConnection.CreateSocketOption();
        var command = new Command("list", "List deployments with their progress.") { cluster, socket };
        command.SetAction((parse, cancellationToken) => parse.GetValue(cluster)
            ? HostdCall.RunAsync(parse, new HostdCall.Options(socket, connection.Json), cancellationToken, async (hostd, json, output) =>
            {
                var answer = await hostd.InvokeAsync<System.Text.Json.JsonElement>(Shared.Cluster.ClusterMethods.DeploymentList, null, cancellationToken);
                var views = System.Text.Json.JsonSerializer.Deserialize<Cluster.Deployments.ClusterDeploymentView[]>(answer, Shared.JsonRpc.JsonRpcWire.SerializerOptions)!;
                await CliOutput.WriteAsync(output, json, views, v => ClusterDeployTable.FormatList(v));
                return ExitCodes.Ok;
            })
            : RunAsync(parse, connection, cancellationToken, async (client, output) =>
        {
            var list = await client.ListAsync(cancellationToken);
            await CliOutput.WriteAsync(output, parse.GetValue(connection.Json), list, DeploymentTable.FormatList);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateDelete(ConnectionOptions connection)
    {
        var id = new Argument<string>("id") { Description = "The deployment id." };
        var command = new Command("delete", "Delete a deployment with its registrations.") { id };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, connection, cancellationToken, async (client, output) =>
        {
            var deploymentId = parse.GetRequiredValue(id);
            var deleted = await client.DeleteAsync(deploymentId, cancellationToken);
            await CliOutput.WriteAsync(output, parse.GetValue(connection.Json), new { deploymentId, deleted }, _ => $"deleted deployment {deploymentId}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Task<int> RunAsync(
        ParseResult parse,
        ConnectionOptions connection,
        CancellationToken cancellationToken,
        Func<CmsAdminClient, TextWriter, Task<int>> body)
        => CliAction.RunAsync(parse.InvocationConfiguration.Error, () => ConnectedAsync(parse, connection, cancellationToken, body));

    private static async Task<int> ConnectedAsync(
        ParseResult parse,
        ConnectionOptions connection,
        CancellationToken cancellationToken,
        Func<CmsAdminClient, TextWriter, Task<int>> body)
    {
        var endPoint = ParseEndPoint(parse.GetRequiredValue(connection.Cms));
        var token = LocalOrFileToken(endPoint, parse.GetRequiredValue(connection.TokenFile));
        await using var client = await CmsAdminClient.ConnectAsync(endPoint, token, cancellationToken);
        return await body(client, parse.InvocationConfiguration.Output);
    }

    /// <summary>On the CMS's unix socket the kernel vouches for us: the token file is used only if it is there.</summary>
    private static string LocalOrFileToken(System.Net.EndPoint endPoint, string tokenFile)
    {
        if (endPoint is not System.Net.Sockets.UnixDomainSocketEndPoint)
        {
            return AdminTokenFile.Read(tokenFile);
        }

        try
        {
            return AdminTokenFile.Read(tokenFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    internal static System.Net.EndPoint ParseEndPoint(string text)
    {
        try
        {
            return CmsEndPoints.ParseClient(text);
        }
        catch (FormatException ex)
        {
            throw new CliUsageException($"--cms: {ex.Message}");
        }
    }

    private sealed record ConnectionOptions(Option<string> Cms, Option<string> TokenFile, Option<bool> Json);
}
