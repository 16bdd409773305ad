using System.CommandLine;
using System.Globalization;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Deploy;
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
        var socket = HostdConnection.CreateSocketOption();
        var spec = new Option<string?>("--spec") { Description = "VM spec (JSON) of the template to boot and suspend; also what --cold boots." };
        var bundle = new Option<string?>("--bundle") { Description = "Clone from this existing state bundle instead of making one." };
        var count = new Option<int>("--count", "-n")
        {
            Description = $"How many clones (1-{DeployOptions.MaxCount}).",
            DefaultValueFactory = _ => DeployOptions.DefaultCount,
        };
        var format = new Option<string>("--format")
        {
            Description = "Memory format of a new bundle: stream (migration stream) or mapped (file-backed RAM, mapped copy-on-write).",
            DefaultValueFactory = _ => "stream",
        };
        format.AcceptOnlyFromAmong("stream", "mapped");
        var cold = new Option<bool>("--cold") { Description = "Boot every VM from scratch with its disc (the baseline clones are compared with)." };
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
        var json = new Option<bool>("--json") { Description = "Print the report as JSON for scripts." };
        var reportFile = new Option<string?>("--report-file") { Description = "Also write the JSON report to this file (the table still goes to stdout)." };
        var command = new Command("deploy", "Deploy N clones on this host: template -> state bundle -> clones -> roles, with the time breakdown.")
        {
            socket, spec, bundle, count, format, cold, policy, deployment, tokenFile, cmsAddress, timeout, json, reportFile,
        };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
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
                Policy = parse.GetRequiredValue(policy),
                Timeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
            };
            Validate(options);

            await using var connection = await HostdConnection.ConnectAsync(parse.GetRequiredValue(socket), cancellationToken);
            var status = await connection.InvokeAsync<HostStatus>(HostMethods.Status, cancellationToken: cancellationToken);
            var endpoint = parse.GetValue(cmsAddress) ?? status.CmsEndpoint
                ?? throw new CliUsageException("this hostd runs no CMS (set Cms:Enabled in hostd.json) and no --cms was given");
            await using var cms = await CmsAdminClient.ConnectAsync(DeploymentCommands.ParseEndPoint(endpoint), AdminTokenFile.Read(parse.GetRequiredValue(tokenFile)), cancellationToken);
            var runner = new DeployRunner(new HostdDeployHost(connection), cms, endpoint);

            var report = await runner.RunAsync(options, line => error.WriteLine($"deploy: {line}"), cancellationToken);
            if (parse.GetValue(reportFile) is { } path)
            {
                await File.WriteAllTextAsync(path, CliOutput.ToJson(report), cancellationToken);
            }

            await CliOutput.WriteAsync(parse.InvocationConfiguration.Output, parse.GetValue(json), report, DeployTable.Format);
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
        if (options.Count is < 1 or > DeployOptions.MaxCount)
        {
            throw new CliUsageException($"--count must be 1 to {DeployOptions.MaxCount}");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new CliUsageException("--timeout must be positive");
        }

        if (options.ColdBoot ? options.TemplateSpecFile is null : options.Bundle is null == (options.TemplateSpecFile is null))
        {
            throw new CliUsageException(options.ColdBoot ? "--cold needs --spec" : "give exactly one of --spec (make a bundle) or --bundle");
        }
    }
}
