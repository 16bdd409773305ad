using System.CommandLine;
using System.Text.Json;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart clone</c>: resume N clones of a bundle on the local hostd. The CLI only asks: hostd plans
/// names, MACs, instance-ids, addresses and (with <c>--policy</c>) the CMS deployment.
/// </summary>
public static class CloneCommands
{
    /// <summary>Largest instances file read.</summary>
    public const int MaxInstancesBytes = 4 << 20;

    public static Command Create()
    {
        var options = HostdCall.CreateOptions();
        var bundle = new Option<string>("--bundle") { Description = "Bundle name, or the absolute path of a bundle directory.", Required = true };
        var count = new Option<int>("--count") { Description = "How many clones (with --prefix).", DefaultValueFactory = _ => 1 };
        var prefix = new Option<string>("--prefix") { Description = "Clone names are PREFIX-1 .. PREFIX-N (also their hostnames; with --policy the CMS deployment id).", DefaultValueFactory = _ => ClonePlanRequest.DefaultPrefix };
        var address = new Option<string?>("--address") { Description = "The first clone's IPv4 address with prefix (e.g. 10.0.0.10/24); the next clones take the next addresses." };
        var gateway = new Option<string?>("--gateway") { Description = "Default gateway for every clone." };
        var dns = new Option<string[]>("--dns") { Description = "DNS server for every clone (repeat for more).", AllowMultipleArgumentsPerToken = false };
        var policy = new Option<string?>("--policy") { Description = "Create a CMS deployment PREFIX with this role policy (master-workers or all-same) before the clones start." };
        policy.AcceptOnlyFromAmong("master-workers", "all-same");
        var cms = new Option<string?>("--cms") { Description = "With --policy: the CMS as host:port (default: the one this hostd runs)." };
        var tokenFile = new Option<string?>("--admin-token-file") { Description = "With --cms: the file holding that CMS's admin token." };
        var instances = new Option<FileInfo?>("--instances") { Description = "JSON file with the clones (an array of {name, metadata}); replaces the planning options." };
        var concurrency = new Option<int?>("--concurrency") { Description = "Clones resumed at once (default: hostd's Vm:CloneConcurrency)." };
        var noNetwork = new Option<bool>("--no-network") { Description = "No tap on the bridge: the clones' NICs talk to nothing." };
        var command = new Command("clone", "Resume clones from a state bundle; hostd plans their names, MACs, instance-ids and addresses.")
        {
            options.Socket, options.Json, bundle, count, prefix, address, gateway, dns, policy, cms, tokenFile, instances, concurrency, noNetwork,
        };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var request = new CloneRequest
            {
                Bundle = parse.GetRequiredValue(bundle),
                Concurrency = parse.GetValue(concurrency),
                Network = !parse.GetValue(noNetwork),
            };
            if (parse.GetValue(instances) is { } file)
            {
                request = request with { Clones = await ReadInstancesAsync(file, cancellationToken) };
            }
            else
            {
                request = request with
                {
                    Plan = new ClonePlanRequest
                    {
                        Count = parse.GetValue(count),
                        Prefix = parse.GetRequiredValue(prefix),
                        FirstAddress = parse.GetValue(address),
                        Gateway = parse.GetValue(gateway),
                        Dns = parse.GetValue(dns) ?? [],
                        Policy = parse.GetValue(policy),
                        Cms = parse.GetValue(cms),
                        CmsAdminToken = parse.GetValue(tokenFile) is { } path ? AdminTokenFile.Read(path) : null,
                    },
                };
            }

            var report = await connection.InvokeAsync<CloneReport>(HostMethods.Clone, request, cancellationToken);
            await CliOutput.WriteAsync(output, json, report, CloneReportTable.Format);
            return report.Clones.All(c => c.Succeeded) ? ExitCodes.Ok : ExitCodes.Unavailable;
        }));
        return command;
    }

    private static async Task<IReadOnlyList<CloneInstanceRequest>> ReadInstancesAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            throw new FileNotFoundException($"no instances file {file.FullName}", file.FullName);
        }

        return JsonSerializer.Deserialize<CloneInstanceRequest[]>(await BoundedFile.ReadAllBytesAsync(file.FullName, MaxInstancesBytes, cancellationToken), JsonSerializerOptions.Web)
            ?? throw new InvalidDataException($"{file.FullName} holds no clones");
    }
}
