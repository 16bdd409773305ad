using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart iso build</c> makes a Jumpstart metadata disc from a JSON or YAML description;
/// <c>jumpstart iso show</c> prints what any metadata disc (Jumpstart, NoCloud, ConfigDrive) says.
/// </summary>
public static class IsoCommands
{
    public static Command Create()
    {
        var iso = new Command("iso", "Build and inspect clone metadata discs (ISO 9660).");
        iso.Subcommands.Add(CreateBuild());
        iso.Subcommands.Add(CreateShow());
        return iso;
    }

    private static Command CreateBuild()
    {
        var from = new Option<string>("--from") { Description = "Clone description, JSON or YAML (.yaml/.yml), in the metadata schema." };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the ISO image (replaced atomically)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var build = new Command("build", "Build a Jumpstart metadata disc from a description. hostTime defaults to now.") { from, output, json };
        build.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var fromPath = parse.GetValue(from) ?? throw new CliUsageException("iso build needs --from DESCRIPTION");
            var outputPath = parse.GetValue(output) ?? throw new CliUsageException("iso build needs --output IMAGE");
            var metadata = MetadataDescription.Load(fromPath);
            if (metadata.HostTime is null)
            {
                var now = DateTimeOffset.UtcNow;
                metadata = metadata with { HostTime = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)) };
            }

            cancellationToken.ThrowIfCancellationRequested();
            MetadataDisc.WriteFile(metadata, outputPath);
            var size = new FileInfo(outputPath).Length;
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await writer.WriteLineAsync(JsonSerializer.Serialize(new { output = Path.GetFullPath(outputPath), bytes = size, metadata.InstanceId, metadata.Hostname }, MetadataJson.Options));
            }
            else
            {
                await writer.WriteLineAsync($"wrote {outputPath} ({size} bytes): instance {metadata.InstanceId}, hostname {metadata.Hostname}");
            }

            return ExitCodes.Ok;
        }));
        return build;
    }

    private static Command CreateShow()
    {
        var image = new Argument<string>("image") { Description = "ISO image file or block device (e.g. /dev/sr0)." };
        var json = new Option<bool>("--json") { Description = "Print the full metadata as JSON (includes the CMS token)." };
        var show = new Command("show", "Show the metadata on a Jumpstart, NoCloud (cidata) or ConfigDrive (config-2) disc.") { image, json };
        show.SetAction((parse, _) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var path = parse.GetValue(image) ?? throw new CliUsageException("iso show needs an IMAGE");
            var metadata = MetadataDisc.Read(path);
            var writer = parse.InvocationConfiguration.Output;
            await writer.WriteAsync(parse.GetValue(json) ? JsonSerializer.Serialize(metadata, MetadataJson.Options) + "\n" : Summarize(metadata));
            return ExitCodes.Ok;
        }));
        return show;
    }

    /// <summary>A human summary; the CMS token and random seed are not printed.</summary>
    private static string Summarize(CloneMetadata m)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"format:      {m.Source} (schema {m.SchemaVersion})");
        text.AppendLine(CultureInfo.InvariantCulture, $"instance:    {m.InstanceId}");
        text.AppendLine(CultureInfo.InvariantCulture, $"deployment:  {m.DeploymentId ?? "-"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"hostname:    {m.Hostname}");
        text.AppendLine(CultureInfo.InvariantCulture, $"host time:   {m.HostTime?.ToString("u", CultureInfo.InvariantCulture) ?? "-"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"cms:         {(m.Cms is { } cms ? $"{cms.Host}:{cms.Port} (token set)" : "-")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"random seed: {(m.RandomSeed is null ? "-" : "present")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"self script: {(m.SelfScript is { } s ? $"{s.Split('\n')[0]} ({s.Length} chars)" : "-")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"user data:   {(m.UserData is { } u ? u.ValueKind.ToString().ToLowerInvariant() : "-")}");
        foreach (var nic in m.Interfaces)
        {
            var match = nic.MatchMac is not null ? $"mac {nic.MatchMac}" : $"name {nic.MatchName}";
            text.AppendLine(CultureInfo.InvariantCulture, $"interface:   {match}{(nic.Name is null ? "" : $" -> {nic.Name}")}{(nic.Mac is null ? "" : $", new mac {nic.Mac}")}{(nic.Mtu is null ? "" : $", mtu {nic.Mtu}")}");
            foreach (var address in nic.Addresses)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  address    {address}");
            }

            if (nic.Dhcp)
            {
                text.AppendLine("  dhcp       yes");
            }

            if (nic.Gateway is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  gateway    {nic.Gateway}");
            }

            foreach (var route in nic.Routes)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  route      {route.Destination}{(route.Gateway is null ? "" : $" via {route.Gateway}")}{(route.Metric is null ? "" : $" metric {route.Metric}")}");
            }

            if (nic.DnsServers.Count + nic.DnsSearch.Count > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  dns        {string.Join(' ', nic.DnsServers)}{(nic.DnsSearch.Count > 0 ? $" search {string.Join(' ', nic.DnsSearch)}" : "")}");
            }
        }

        return text.ToString();
    }
}
