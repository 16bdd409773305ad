using System.CommandLine;
using System.Globalization;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart bundle distribute NAME --hosts a,b,c [--transport ...]</c>: the local hostd sends a bundle it holds to
/// other hosts of the cluster over mutual TLS; progress per host on stderr, a table of per-host times at the end.
/// Exit 0 when every host holds the bundle, 75 (try again: it resumes) when some did not get it.
/// </summary>
public static class BundleDistributeCommand
{
    public static Command Create(HostdCall.Options options)
    {
        var name = new Argument<string>("bundle") { Description = "A bundle this host holds: its name (or its id, for one received from another host)." };
        var hosts = new Option<string>("--hosts") { Description = "The receiving hosts, by cluster name, comma-separated: a,b,c.", Required = true };
        var transport = new Option<string>("--transport")
        {
            Description = "auto (the manager picks from the number of hosts and the measured bandwidth), unicast (one stream per host), chain (each host forwards to the next), multicast (uftp, AES-GCM encrypted).",
            DefaultValueFactory = _ => BundleTransports.Auto,
        };
        transport.AcceptOnlyFromAmong([.. BundleTransports.All]);
        var command = new Command("distribute", "Send a bundle to other hosts of the cluster; hosts that hold it receive nothing, an interrupted transfer resumes.") { name, hosts, transport };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var request = new DistributeRequest
            {
                Bundle = parse.GetRequiredValue(name),
                Hosts = [.. parse.GetRequiredValue(hosts).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
                Transport = parse.GetValue(transport),
            };
            if (request.Hosts.Count == 0)
            {
                throw new CliUsageException("--hosts names no host");
            }

            var result = await connection.InvokeAsync<DistributeResult>(ClusterMethods.BundleDistribute, request, cancellationToken);
            await CliOutput.WriteAsync(output, json, result, Format);
            return result.Succeeded ? ExitCodes.Ok : ExitCodes.TempFail;
        }));
        return command;
    }

    private static string Format(DistributeResult r) => string.Join('\n', [
        string.Create(CultureInfo.InvariantCulture, $"bundle {r.Bundle} ({r.BundleId[..12]}, {Mib(r.Bytes)} MiB) by {r.Transport}: {r.Reason}"),
        $"{"HOST",-20} {"STATE",-12} {"MIB",9} {"SECONDS",8} {"MIB/S",8}  MESSAGE",
        .. r.Hosts.Select(h => string.Create(
            CultureInfo.InvariantCulture,
            $"{h.Host,-20} {h.State,-12} {Mib(h.Bytes),9} {(h.State == DistributeStates.Done ? h.Seconds.ToString("0.00", CultureInfo.InvariantCulture) : "-"),8} {(h.State == DistributeStates.Done && h.Seconds > 0 ? Mib((long)(h.Bytes / h.Seconds)) : "-"),8}  {h.Message}")),
        string.Create(CultureInfo.InvariantCulture, $"total {r.Seconds:0.00} s; {r.Hosts.Count(h => h.State != DistributeStates.Failed)} of {r.Hosts.Count} hosts hold the bundle")]);

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
}
