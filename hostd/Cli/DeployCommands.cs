using System.CommandLine;
using System.Globalization;
using Jumpstart.Hostd.Cli.Deploy;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart deploy</c>: one host, template -> state bundle -> N clones -> roles from the CMS,
/// then the per-stage breakdown (bundle verify/copy, resume, guest configuration, CMS role).
/// Progress goes to stderr; the result to stdout (JSON with <c>--json</c>).
/// </summary>
public static class DeployCommands
{
    public static Command Create()
    {
        var call = HostdCall.CreateOptions();
        var spec = new Option<string?>("--spec") { Description = "VM spec (JSON) of the template to boot and suspend; also what --cold boots." };
        var bundle = new Option<string?>("--bundle") { Description = "Clone from this existing state bundle instead of making one." };
        var count = new Option<int>("--count", "-n")
        {
            Description = $"How many clones (1-{DeployOptions.MaxCount}; with --cluster 1-{Shared.Cluster.ClusterDeployRequest.MaxCount}).",
            DefaultValueFactory = _ => DeployOptions.DefaultCount,
        };
        var format = new Option<string>("--format")
        {
            Description = "Memory format of a new bundle: stream (migration stream) or mapped (file-backed RAM, mapped copy-on-write).",
            DefaultValueFactory = _ => "stream",
        };
        format.AcceptOnlyFromAmong("stream", "mapped");
        var cold = new Option<bool>("--cold") { Description = "Boot every VM from scratch with its disc (the baseline clones are compared with)." };
        var image = new Option<string?>("--image") { Description = "With --cold: boot a baked image (jumpstart image bake) instead of --spec." };
        var append = new Option<string?>("--append") { Description = "With --cold --image: kernel arguments after the image's own." };
        var policy = new Option<string>("--policy")
        {
            Description = "Role policy: master-workers (clone 1 is the master) or all-same.",
            DefaultValueFactory = _ => "master-workers",
        };
        policy.AcceptOnlyFromAmong("master-workers", "all-same");
        var deployment = new Option<string?>("--deployment") { Description = "Deployment id on the CMS (default: deploy-<time>)." };
        var tokenFile = new Option<string>("--admin-token-file")
        {
            Description = "File holding the CMS admin token.",
            DefaultValueFactory = _ => DeploymentCommands.DefaultAdminTokenFile,
        };
        var cmsAddress = new Option<string?>("--cms") { Description = "The CMS as host:port (default: the one this hostd runs)." };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds from the clone request until every role must be assigned.",
            DefaultValueFactory = _ => (int)DeployOptions.DefaultTimeout.TotalSeconds,
        };
        var firstAddress = new Option<string>("--first-address")
        {
            Description = "The first clone's address with prefix length; the others take the next addresses.",
            DefaultValueFactory = _ => DeployOptions.DefaultFirstAddress,
        };
        var gateway = new Option<string?>("--gateway") { Description = "Default gateway of every clone (none by default)." };
        var readyMarker = new Option<string>("--ready-marker")
        {
            Description = "Serial-console text that says the template is ready to be suspended.",
            DefaultValueFactory = _ => DeployOptions.DefaultReadyMarker,
        };
        var noWarmUp = new Option<bool>("--no-warm-up") { Description = "Suspend the template without warming guestd up first (clones then configure slower)." };
        var reportFile = new Option<string?>("--report-file") { Description = "Also write the JSON report to this file (the table still goes to stdout)." };
        var cluster = new ClusterDeployOptions();
        var command = new Command("deploy", "Deploy N clones on this host (or with --cluster over the cluster's hosts): template -> state bundle -> clones -> roles, with the time breakdown.")
        {
            call.Socket, call.Json, spec, bundle, count, format, cold, image, append, policy, deployment, tokenFile, cmsAddress, timeout, firstAddress, gateway, readyMarker, noWarmUp, reportFile,
            cluster.Cluster, cluster.Hosts, cluster.Placement, cluster.Images, cluster.Transport, cluster.Self,
        };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, call, cancellationToken, async (connection, json, output) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var options = new DeployOptions
            {
                DeploymentId = parse.GetValue(deployment) ?? $"deploy-{DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}",
                Count = parse.GetValue(count),
                Bundle = parse.GetValue(bundle),
                TemplateSpecFile = parse.GetValue(spec),
                MemoryFormat = parse.GetRequiredValue(format),
                ColdBoot = parse.GetValue(cold),
                ColdImage = parse.GetValue(image),
                ColdImageAppend = parse.GetValue(append),
                Policy = parse.GetRequiredValue(policy),
                Timeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                FirstAddress = parse.GetRequiredValue(firstAddress),
                Gateway = parse.GetValue(gateway),
                ReadyMarker = parse.GetRequiredValue(readyMarker),
                WarmUp = !parse.GetValue(noWarmUp),
            };
            Validate(options);
            if (parse.GetValue(cluster.Cluster))
            {
                return await ClusterDeployOptions.RunAsync(connection, cluster, parse, options, parse.GetValue(reportFile), json, output, cancellationToken);
            }

            cluster.RequireNone(parse);
            if (options.Count > DeployOptions.MaxCount)
            {
                throw new CliUsageException($"--count must be 1 to {DeployOptions.MaxCount} on one host (use --cluster for more)");
            }

            void Progress(string line)
            {
                // hostd's progress notes arrive on another thread and take the same lock.
                lock (error)
                {
                    error.WriteLine($"[deploy] {line}");
                }
            }

            var status = await connection.InvokeAsync<HostStatus>(HostMethods.Status, cancellationToken: cancellationToken);
            var endpoint = parse.GetValue(cmsAddress) ?? status.CmsEndpoint
                ?? throw new CliUsageException("this hostd runs no CMS (set Cms:Enabled in hostd.json) and no --cms was given");
            var cmsEndPoint = DeploymentCommands.ParseEndPoint(endpoint);
            var adminToken = AdminTokenFile.Read(parse.GetRequiredValue(tokenFile));
            var runner = new DeployRunner(connection, ct => CmsAdminClient.ConnectAsync(cmsEndPoint, adminToken, ct), endpoint, adminToken);

            var report = await runner.RunAsync(options, Progress, cancellationToken);
            if (parse.GetValue(reportFile) is { } path)
            {
                await File.WriteAllTextAsync(path, CliOutput.ToJson(report), cancellationToken);
            }

            await CliOutput.WriteAsync(output, json, report, DeployTable.Format);
            if (report.Complete)
            {
                return ExitCodes.Ok;
            }

            await error.WriteLineAsync(report.Cms.Failed > 0
                ? $"jumpstart: {report.Cms.Failed} clone(s) failed to configure (see 'jumpstart deployment show {report.DeploymentId}')"
                : $"jumpstart: only {report.Cms.Ready} of {report.Cms.Expected} clones got their role within {options.Timeout.TotalSeconds:0} s");
            return report.Cms.Failed > 0 ? ExitCodes.Failure : ExitCodes.TempFail;
        }));
        return command;
    }

    private static void Validate(DeployOptions options)
    {
        if (options.Count is < 1 or > Shared.Cluster.ClusterDeployRequest.MaxCount)
        {
            throw new CliUsageException($"--count must be 1 to {DeployOptions.MaxCount} (with --cluster 1 to {Shared.Cluster.ClusterDeployRequest.MaxCount})");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new CliUsageException("--timeout must be positive");
        }

        if ((options.ColdImage ?? options.ColdImageAppend) is not null && !options.ColdBoot)
        {
            throw new CliUsageException("--image and --append go with --cold (for clones of a baked image: jumpstart template create --image, then deploy --bundle)");
        }

        if (options.ColdImage is not null && options.TemplateSpecFile is not null)
        {
            throw new CliUsageException("--cold boots --spec FILE or --image IMAGE, not both");
        }

        if (options.TemplateSpecFile is null && options.ColdImage is null && (options.ColdBoot || options.Bundle is null))
        {
            throw new CliUsageException(options.ColdBoot ? "--cold needs --spec or --image" : "give --spec (make a new bundle) or --bundle (and optionally --spec: the device set it must match)");
        }

        if (options.ColdBoot && options.Bundle is not null)
        {
            throw new CliUsageException("--cold boots from --spec; it takes no --bundle");
        }
    }
}
