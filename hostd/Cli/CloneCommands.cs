using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Jumpstart.Hostd.Clones;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Cli;

/// <summary><c>jumpstart clone</c>: resume N clones of a bundle on the local hostd.</summary>
public static class CloneCommands
{
    /// <summary>Largest instances file read.</summary>
    public const int MaxInstancesBytes = 4 << 20;

    private const int InstanceSuffixBytes = 4;

    public static Command Create()
    {
        var options = HostdCall.CreateOptions();
        var bundle = new Option<string>("--bundle") { Description = "Bundle name, or the absolute path of a bundle directory.", Required = true };
        var count = new Option<int>("--count") { Description = "How many clones (with --prefix).", DefaultValueFactory = _ => 1 };
        var prefix = new Option<string>("--prefix") { Description = "Clone names are PREFIX-1 .. PREFIX-N (also their hostnames).", DefaultValueFactory = _ => "clone" };
        var address = new Option<string?>("--address") { Description = "The first clone's IPv4 address with prefix (e.g. 10.0.0.10/24); the next clones take the next addresses." };
        var gateway = new Option<string?>("--gateway") { Description = "Default gateway for every clone." };
        var instances = new Option<FileInfo?>("--instances") { Description = "JSON file with the clones (an array of {name, metadata}); replaces --count/--prefix/--address." };
        var concurrency = new Option<int?>("--concurrency") { Description = "Clones resumed at once (default: hostd's Vm:CloneConcurrency)." };
        var noNetwork = new Option<bool>("--no-network") { Description = "No tap on the bridge: the clones' NICs talk to nothing." };
        var command = new Command("clone", "Resume clones from a state bundle: verify, disks, QEMU -incoming, metadata disc, cont.")
        {
            options.Socket, options.Json, bundle, count, prefix, address, gateway, instances, concurrency, noNetwork,
        };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var bundleName = parse.GetRequiredValue(bundle);
            IReadOnlyList<CloneInstanceRequest> clones;
            if (parse.GetValue(instances) is { } file)
            {
                clones = await ReadInstancesAsync(file, cancellationToken);
            }
            else
            {
                var list = await connection.InvokeAsync<BundleInfo[]>(HostMethods.TemplateList, cancellationToken: cancellationToken);
                var templateMac = list.FirstOrDefault(b => b.Name == bundleName || b.Path == bundleName)?.TemplateMac;
                clones = Plan(parse.GetRequiredValue(prefix), parse.GetValue(count), parse.GetValue(address), parse.GetValue(gateway), templateMac);
            }

            var request = new CloneRequest { Bundle = bundleName, Clones = clones, Concurrency = parse.GetValue(concurrency), Network = !parse.GetValue(noNetwork) };
            var report = await connection.InvokeAsync<CloneReport>(HostMethods.Clone, request, cancellationToken);
            await CliOutput.WriteAsync(output, json, report, CloneReportTable.Format);
            return report.Clones.All(c => c.Succeeded) ? ExitCodes.Ok : ExitCodes.Unavailable;
        }));
        return command;
    }

    private static List<CloneInstanceRequest> Plan(string prefix, int count, string? firstAddress, string? gateway, string? templateMac)
    {
        if (count is < 1 or > CloneRequest.MaxClones)
        {
            throw new CliUsageException($"--count must be 1-{CloneRequest.MaxClones}");
        }

        IReadOnlyList<string> addresses = [];
        if (firstAddress is not null)
        {
            try
            {
                addresses = CloneAddressing.Consecutive(firstAddress, count);
            }
            catch (FormatException ex)
            {
                throw new CliUsageException($"--address: {ex.Message}");
            }
        }

        var macs = new HashSet<string>(StringComparer.Ordinal);
        if (templateMac is not null)
        {
            macs.Add(templateMac.ToLowerInvariant());
        }

        var clones = new List<CloneInstanceRequest>(count);
        for (var i = 0; i < count; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i + 1}");
            IReadOnlyList<InterfaceConfig> interfaces = [];
            if (firstAddress is not null)
            {
                interfaces =
                [
                    new InterfaceConfig
                    {
                        MatchMac = templateMac,
                        MatchName = templateMac is null ? "eth0" : null,
                        Mac = CloneAddressing.NewMac(macs),
                        Addresses = [addresses[i]],
                        Gateway = gateway,
                    },
                ];
            }

            var metadata = new CloneMetadata
            {
                InstanceId = $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(InstanceSuffixBytes))}",
                Hostname = name,
                Interfaces = interfaces,
            };
            clones.Add(new CloneInstanceRequest { Name = name, Metadata = metadata });
        }

        return clones;
    }

    private static async Task<IReadOnlyList<CloneInstanceRequest>> ReadInstancesAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            throw new FileNotFoundException($"no instances file {file.FullName}", file.FullName);
        }

        if (file.Length > MaxInstancesBytes)
        {
            throw new InvalidDataException($"{file.FullName} is larger than {MaxInstancesBytes} bytes");
        }

        return JsonSerializer.Deserialize<CloneInstanceRequest[]>(await File.ReadAllBytesAsync(file.FullName, cancellationToken), JsonSerializerOptions.Web)
            ?? throw new InvalidDataException($"{file.FullName} holds no clones");
    }
}
