using System.CommandLine;
using System.Text.Json;
using Jumpstart.Hostd.Bake;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Cli;

/// <summary><c>jumpstart template create|list|remove</c> and <c>jumpstart bundle verify</c>: state bundles on the local hostd.</summary>
public static class TemplateCommands
{
    /// <summary>Largest spec file the CLI sends.</summary>
    public const int MaxSpecBytes = 64 * 1024;

    public static Command Create()
    {
        var options = HostdCall.CreateOptions();
        var template = new Command("template", "Boot a template VM and suspend it into a state bundle; list and remove bundles.") { options.Socket, options.Json };
        template.Subcommands.Add(CreateCreate(options));
        template.Subcommands.Add(CreateList(options));
        template.Subcommands.Add(CreateRemove(options));
        return template;
    }

    /// <summary><c>jumpstart bundle verify|distribute</c>.</summary>
    public static Command CreateBundle()
    {
        var options = HostdCall.CreateOptions();
        var name = new Argument<string>("bundle") { Description = "Bundle name, or the absolute path of a bundle directory." };
        var verify = new Command("verify", "Check every part of a bundle against its manifest (sizes, SHA-256, spec).") { name };
        verify.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var info = await connection.InvokeAsync<BundleInfo>(HostMethods.BundleVerify, new NameRequest { Name = parse.GetRequiredValue(name) }, cancellationToken);
            await CliOutput.WriteAsync(output, json, info, i => $"bundle {i.Name}: OK ({i.MemoryFormat}, {i.TotalBytes} bytes, every checksum matches)");
            return ExitCodes.Ok;
        }));
        return new Command("bundle", "State bundles: verify one, distribute one to other hosts of the cluster.") { options.Socket, options.Json, verify, BundleDistributeCommand.Create(options) };
    }

    private static Command CreateCreate(HostdCall.Options options)
    {
        var name = new Argument<string>("name") { Description = "The bundle's name (a-z, 0-9, '-')." };
        var spec = new Option<FileInfo?>("--spec") { Description = "The VM spec (JSON); or give --image." };
        var image = new Option<string?>("--image") { Description = "A baked image (jumpstart image bake: its cache directory or NAME.qcow2 with NAME.json beside it): boot its kernel with the image as the root disk; implies --ready-marker 'JUMPSTART-GUESTD: ready' and a 600 s timeout." };
        var memory = new Option<int?>("--memory") { Description = $"With --image: the template's memory in MiB (default {BakedImage.DefaultMemoryMiB})." };
        var append = new Option<string?>("--append") { Description = "With --image: kernel command-line arguments after the image's own (e.g. jumpstart.dask=warm, which the Dask recipe's warm unit looks for)." };
        var format = new Option<string>("--format") { Description = "Memory format: stream or mapped.", DefaultValueFactory = _ => "stream" };
        format.AcceptOnlyFromAmong("stream", "mapped");
        var compress = new Option<bool>("--compress") { Description = "zstd-compress the migration stream (stream format)." };
        var baseImages = new Option<string[]>("--base") { Description = "A disk's base image: ID=PATH[:FORMAT] (raw, qcow2), ID=image:NAME (an image this hostd serves) or ID=NBD-URI. Repeatable.", AllowMultipleArgumentsPerToken = false };
        var ready = new Option<string?>("--ready-marker") { Description = "Serial-console text that says the guest is up; suspend only after it." };
        var warmup = new Option<FileInfo?>("--warmup-disc") { Description = "A metadata disc to insert and eject before suspending (warms the guest's code paths)." };
        var warmupDone = new Option<string?>("--warmup-done-marker") { Description = "Serial-console text that says the guest finished with the warm-up disc." };
        var warmUp = new Option<bool>("--warm-up") { Description = "Let hostd make the warm-up disc and wait until guestd applied it (needs --ready-marker)." };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds to wait for each marker (default 180, with --image 600)." };
        var command = new Command("create", "Boot a template from a VM spec or a baked image, warm it up, suspend it into a bundle.") { name, spec, image, memory, append, format, compress, baseImages, ready, warmup, warmupDone, warmUp, timeout };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var images = new Dictionary<string, string>();
            var formats = new Dictionary<string, string>();
            foreach (var entry in parse.GetValue(baseImages) ?? [])
            {
                var (id, path, imageFormat) = ParseBase(entry);
                images[id] = path;
                formats[id] = imageFormat;
            }

            var baked = parse.GetValue(image) is { } imagePath ? BakedImage.Open(imagePath) : null;
            JsonElement specJson;
            if (baked is not null)
            {
                if (parse.GetValue(spec) is not null)
                {
                    throw new CliUsageException("template create takes --spec FILE or --image IMAGE, not both");
                }

                specJson = JsonSerializer.SerializeToElement(baked.Spec(memoryMiB: parse.GetValue(memory) ?? BakedImage.DefaultMemoryMiB, append: parse.GetValue(append)), VmSpecJson.Options);
                foreach (var (id, baseImage) in baked.BaseImages)
                {
                    images[id] = baseImage.Path;
                    formats[id] = baseImage.Format;
                }
            }
            else
            {
                if (parse.GetValue(append) is not null || parse.GetValue(memory) is not null)
                {
                    throw new CliUsageException("--append and --memory go with --image; a --spec file gives its own");
                }

                var specFile = parse.GetValue(spec) ?? throw new CliUsageException("template create needs --spec FILE or --image IMAGE");
                specJson = await ReadSpecAsync(specFile, cancellationToken);
            }

            var request = new TemplateCreateRequest
            {
                Name = parse.GetRequiredValue(name),
                Spec = specJson,
                BaseImages = images,
                BaseFormats = formats,
                MemoryFormat = parse.GetRequiredValue(format),
                Compress = parse.GetValue(compress),
                ReadyMarker = parse.GetValue(ready) ?? (baked is null ? null : BakedImage.ReadyMarker),
                WarmupDisc = parse.GetValue(warmup)?.FullName,
                WarmupDoneMarker = parse.GetValue(warmupDone),
                WarmUp = parse.GetValue(warmUp),
                GuestTimeoutSeconds = parse.GetValue(timeout) ?? (baked is null ? 180 : 600),
            };
            var info = await connection.InvokeAsync<BundleInfo>(HostMethods.TemplateCreate, request, cancellationToken);
            await CliOutput.WriteAsync(output, json, info, i => $"bundle {i.Name} at {i.Path}: {i.MemoryFormat}{(i.Compressed ? "+zstd" : string.Empty)}, state {i.StateBytes} bytes, {i.TotalBytes} bytes in all");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateList(HostdCall.Options options)
    {
        var command = new Command("list", "List the bundles on this host (no checksums; use 'bundle verify').");
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var list = await connection.InvokeAsync<BundleInfo[]>(HostMethods.TemplateList, cancellationToken: cancellationToken);
            await CliOutput.WriteAsync(output, json, list, Format);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateRemove(HostdCall.Options options)
    {
        var name = new Argument<string>("name") { Description = "The bundle." };
        var command = new Command("remove", "Delete a bundle (refused while clones of it run).") { name };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            await connection.InvokeAsync<bool>(HostMethods.TemplateRemove, new NameRequest { Name = parse.GetRequiredValue(name) }, cancellationToken);
            await CliOutput.WriteAsync(output, json, new { removed = parse.GetRequiredValue(name) }, _ => $"removed {parse.GetRequiredValue(name)}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Format(BundleInfo[] list) => list.Length == 0
        ? "no bundles"
        : string.Join('\n', [
            $"{"NAME",-24} {"FORMAT",-12} {"MEMORY",7} {"STATE",12} {"TOTAL",12} {"CREATED",-20}",
            .. list.Select(b => b.Problem is { } problem
                ? $"{b.Name,-24} unusable: {problem}"
                : $"{b.Name,-24} {b.MemoryFormat + (b.Compressed ? "+zstd" : string.Empty),-12} {b.MemoryMiB,5}Mi {b.StateBytes,12} {b.TotalBytes,12} {b.CreatedAt:u}")]);

    /// <summary>Reads a spec file (bounded) into JSON for the request.</summary>
    public static async Task<JsonElement> ReadSpecAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            throw new FileNotFoundException($"no spec file {file.FullName}", file.FullName);
        }

        using var document = JsonDocument.Parse(await BoundedFile.ReadAllBytesAsync(file.FullName, MaxSpecBytes, cancellationToken));
        return document.RootElement.Clone();
    }

    private static (string Id, string Path, string Format) ParseBase(string entry)
    {
        var equals = entry.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new CliUsageException($"--base '{entry}' is not ID=PATH[:FORMAT]");
        }

        var id = entry[..equals];
        var rest = entry[(equals + 1)..];
        var format = "raw";
        var colon = rest.LastIndexOf(':');
        if (colon > 0 && rest[(colon + 1)..] is "raw" or "qcow2")
        {
            format = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        var keep = TemplateBaseImage.IsNbdUri(rest) || TemplateBaseImage.IsImageReference(rest);
        return (id, keep ? rest : System.IO.Path.GetFullPath(rest), format);
    }
}
