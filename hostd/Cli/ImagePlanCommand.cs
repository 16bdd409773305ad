using System.CommandLine;
using System.Globalization;
using System.Text;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart image plan</c>: runs <see cref="ImagePlanner"/> and prints cloud time per scheme and image
/// count, then the best. Sizes, rates and durations take units (<see cref="Quantities"/>); a value that
/// does not parse is a usage error (exit 64).
/// </summary>
public static class ImagePlanCommand
{
    public static Command Create()
    {
        var vms = new Option<int>("--vms") { Description = "N: VMs to deploy.", Required = true };
        var hosts = new Option<int?>("--hosts") { Description = "H: hosts the VMs spread over (default: one VM per host)." };
        var imageSize = new Option<string>("--image-size") { Description = "Base image size, e.g. 2GiB.", Required = true };
        var readPerVm = new Option<string>("--read-per-vm") { Description = "Bytes each VM reads from its image during the run, e.g. 200MiB.", Required = true };
        var pattern = new Option<AccessPattern>("--pattern") { Description = "Access pattern: sequential or random.", DefaultValueFactory = _ => AccessPattern.Random };
        var requestSize = new Option<string?>("--request-size") { Description = "Bytes per read (default 128KiB sequential, 4KiB random)." };
        var workingSet = new Option<double?>("--working-set") { Description = "Fraction of the image all VMs read together, 0..1 (default read-per-vm / image-size)." };
        var computeTime = new Option<string?>("--compute-time") { Description = "The application's run time without image delay, e.g. 60s (default 0)." };
        var diskBw = new Option<string>("--disk-bw") { Description = "Disk bandwidth of a host for this pattern, e.g. 500MB/s.", Required = true };
        var netBw = new Option<string>("--net-bw") { Description = "Network bandwidth of a host link, e.g. 1Gbit/s.", Required = true };
        var serverBw = new Option<string?>("--server-bw") { Description = "Link bandwidth of the real image server (default --net-bw)." };
        var latency = new Option<string>("--latency") { Description = "Round-trip latency of a remote read, e.g. 0.2ms.", Required = true };
        var localLatency = new Option<string?>("--local-latency") { Description = "Latency of a read served on the VM's own host (default 0)." };
        var maxImages = new Option<int>("--max-images") { Description = "K: most image copies to consider.", DefaultValueFactory = _ => 1 };
        var schemes = new Option<string[]>("--scheme")
        {
            Description = "Schemes to plan: all, shared, unicast, multicast, background, on-demand (repeat or comma-separate).",
            AllowMultipleArgumentsPerToken = true,
        };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON." };
        var command = new Command("plan", "Predict cloud time (distribution + running under access delay) for each distribution scheme and k = 1..K images; print the best.")
        {
            vms, hosts, imageSize, readPerVm, pattern, requestSize, workingSet, computeTime, diskBw, netBw, serverBw, latency, localLatency, maxImages, schemes, json,
        };
        command.SetAction((parse, _) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var input = new PlanInput
            {
                Vms = parse.GetValue(vms),
                Hosts = parse.GetValue(hosts),
                ImageSize = Parse("--image-size", parse.GetValue(imageSize), Quantities.ParseBytes),
                ReadPerVm = Parse("--read-per-vm", parse.GetValue(readPerVm), Quantities.ParseBytes),
                Pattern = parse.GetValue(pattern),
                RequestSize = parse.GetValue(requestSize) is { } q ? checked((int)Math.Min(int.MaxValue, Parse("--request-size", q, Quantities.ParseBytes))) : null,
                WorkingSetFraction = parse.GetValue(workingSet),
                ComputeSeconds = parse.GetValue(computeTime) is { } t ? Parse("--compute-time", t, Quantities.ParseDuration).TotalSeconds : 0,
                DiskBandwidth = Parse("--disk-bw", parse.GetValue(diskBw), Quantities.ParseRate),
                NetworkBandwidth = Parse("--net-bw", parse.GetValue(netBw), Quantities.ParseRate),
                ServerBandwidth = parse.GetValue(serverBw) is { } s ? Parse("--server-bw", s, Quantities.ParseRate) : null,
                Latency = Parse("--latency", parse.GetValue(latency), Quantities.ParseDuration).TotalSeconds,
                LocalLatency = parse.GetValue(localLatency) is { } l ? Parse("--local-latency", l, Quantities.ParseDuration).TotalSeconds : 0,
                MaxImages = parse.GetValue(maxImages),
            };
            ImagePlan plan;
            try
            {
                plan = ImagePlanner.Plan(input, ParseSchemes(parse.GetValue(schemes) ?? []));
            }
            catch (PlanInputException ex)
            {
                throw new CliUsageException(ex.Message);
            }

            await CliOutput.WriteAsync(parse.InvocationConfiguration.Output, parse.GetValue(json), plan, Format);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The CLI name of a scheme (also accepted by <c>--scheme</c>).</summary>
    public static string SchemeName(DistributionScheme scheme) => scheme switch
    {
        DistributionScheme.Shared => "shared",
        DistributionScheme.PreDeployUnicast => "unicast",
        DistributionScheme.PreDeployMulticast => "multicast",
        DistributionScheme.Background => "background",
        DistributionScheme.OnDemand => "on-demand",
        _ => scheme.ToString(),
    };

    private static HashSet<DistributionScheme> ParseSchemes(IEnumerable<string> values)
    {
        var names = values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var all = Enum.GetValues<DistributionScheme>();
        if (names.Count == 0 || names.Contains("all", StringComparer.OrdinalIgnoreCase))
        {
            return [.. all];
        }

        var result = new HashSet<DistributionScheme>();
        foreach (var name in names)
        {
            var scheme = all.Where(s => string.Equals(SchemeName(s), name, StringComparison.OrdinalIgnoreCase)).Cast<DistributionScheme?>().FirstOrDefault()
                ?? throw new CliUsageException($"unknown scheme '{name}' (use all, {string.Join(", ", all.Select(SchemeName))})");
            result.Add(scheme);
        }

        return result;
    }

    private static T Parse<T>(string option, string? text, Func<string, T> parse)
    {
        try
        {
            return parse(text ?? throw new CliUsageException($"{option} is required"));
        }
        catch (FormatException ex)
        {
            throw new CliUsageException($"{option}: {ex.Message}");
        }
    }

    private static string Format(ImagePlan plan)
    {
        var text = new StringBuilder();
        var input = plan.Input;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{input.Vms} VMs on {input.EffectiveHosts} hosts, image {Quantities.FormatBytes(input.ImageSize)}, {Quantities.FormatBytes(input.ReadPerVm)} per VM in {Quantities.FormatBytes(input.EffectiveRequestSize)} {input.Pattern.ToString().ToLowerInvariant()} reads");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"scheme",-11} {"k",4} {"distrib s",10} {"running s",10} {"delay s",10} {"request ms",11} {"server",11} {"cloud s",10}");
        foreach (var p in plan.Predictions)
        {
            var distribution = p.Scheme == DistributionScheme.Background ? $"({p.DistributionSeconds:0.00})" : p.DistributionSeconds.ToString("0.00", CultureInfo.InvariantCulture);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{SchemeName(p.Scheme),-11} {p.Images,4} {distribution,10} {p.RunningSeconds,10:0.00} {p.AccessDelaySeconds,10:0.00} {p.MeanRequestSeconds * 1000,11:0.000} {Quantities.FormatBytes(p.ServerBytes),11} {p.CloudSeconds,10:0.00}");
        }

        text.Append(CultureInfo.InvariantCulture, $"best: {SchemeName(plan.Best.Scheme)} k={plan.Best.Images} cloud time {plan.Best.CloudSeconds:0.00} s");
        return text.ToString();
    }
}
