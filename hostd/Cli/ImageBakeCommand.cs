using System.CommandLine;
using Jumpstart.Hostd.Bake;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart image bake RECIPE</c>: a bootable Debian 12 qcow2 from the Debian archive (<see cref="ImageBaker"/>),
/// in this process, without hostd. Progress goes to stderr, the result to stdout.
/// </summary>
public static class ImageBakeCommand
{
    /// <summary>Names the guest package when --guest-package is not given.</summary>
    public const string GuestPackageVariable = "JUMPSTART_GUEST_PACKAGE";

    /// <summary>Moves the cache when --cache is not given.</summary>
    public const string CacheVariable = "JUMPSTART_GUEST_IMAGE_CACHE";

    public static Command Create()
    {
        var recipe = new Argument<string>("recipe") { Description = "The recipe (YAML): size, packages, files, commands (jumpstart-image-recipe(5))." };
        var guestPackage = new Option<string?>("--guest-package") { Description = $"The jumpstart-guest .deb to install (default ${GuestPackageVariable})." };
        var cache = new Option<string?>("--cache") { Description = $"Cache of baked images by content hash (default ${CacheVariable}, else {BakeOptions.DefaultCacheDirectory})." };
        var output = new Option<string?>("--out") { Description = "Also write NAME.qcow2, NAME.vmlinuz, NAME.initrd.img and NAME.json into this directory (each atomically)." };
        var sources = new Option<string[]>("--sources") { Description = "An apt source file for mmdebstrap (repeatable; default this machine's /etc/apt sources).", AllowMultipleArgumentsPerToken = false };
        var epoch = new Option<long?>("--source-date-epoch") { Description = "Clamp timestamps to this (default $SOURCE_DATE_EPOCH, else the archive's Release date)." };
        var rebuild = new Option<bool>("--rebuild") { Description = "Bake again even when the cache holds this content hash." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress on stderr." };
        var json = new Option<bool>("--json") { Description = "Print the result (paths and manifest) as JSON." };
        var command = new Command(
            "bake",
            "Bake a bootable Debian 12 disk image (qcow2) from the Debian archive with mmdebstrap: systemd, a kernel and initramfs "
            + "(written beside it), GRUB on a serial console, jumpstart-guest enabled, no identity, plus the recipe's packages, files "
            + "and commands. Cached by content hash; a second bake of the same inputs is a cache hit.")
        {
            recipe, guestPackage, cache, output, sources, epoch, rebuild, quiet, json,
        };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var package = parse.GetValue(guestPackage) ?? Environment.GetEnvironmentVariable(GuestPackageVariable)
                ?? throw new CliUsageException($"image bake needs --guest-package DEB (or ${GuestPackageVariable}); packaging/build-packages makes it");
            var options = new BakeOptions
            {
                GuestPackage = Path.GetFullPath(package),
                CacheDirectory = Path.GetFullPath(parse.GetValue(cache) ?? Environment.GetEnvironmentVariable(CacheVariable) ?? BakeOptions.DefaultCacheDirectory),
                Sources = parse.GetValue(sources) ?? [],
                SourceDateEpoch = parse.GetValue(epoch),
                Rebuild = parse.GetValue(rebuild),
            };

            // Checked in full before any work: a bad recipe costs nothing.
            var checkedRecipe = await BakeRecipeReader.ReadAsync(parse.GetRequiredValue(recipe), cancellationToken);
            var progress = new BakeProgress(parse.GetValue(quiet) ? null : parse.InvocationConfiguration.Error);
            var result = await new ImageBaker(options, progress).BakeAsync(checkedRecipe, cancellationToken);
            var exported = parse.GetValue(output) is { } directory ? BakeExport.To(result, checkedRecipe.Name, Path.GetFullPath(directory)) : null;
            var report = new BakeReport
            {
                Directory = result.Directory,
                Image = exported?.Image ?? Path.Combine(result.Directory, BakeManifest.ImageFileName),
                Kernel = exported?.Kernel ?? Path.Combine(result.Directory, BakeManifest.KernelFileName),
                Initrd = exported?.Initrd ?? Path.Combine(result.Directory, BakeManifest.InitrdFileName),
                CacheHit = result.CacheHit,
                Manifest = result.Manifest,
            };
            await CliOutput.WriteAsync(parse.InvocationConfiguration.Output, parse.GetValue(json), report, r =>
                $"image {r.Manifest.Name}: {r.Image} ({Quantities.FormatBytes(r.Manifest.ImageBytes)} qcow2, disk {Quantities.FormatBytes(r.Manifest.SizeBytes)}, "
                + $"{(r.CacheHit ? "cache hit" : $"baked in {r.Manifest.BakeSeconds:F0}s")}, key {r.Manifest.Key})\n"
                + $"kernel {r.Kernel}\ninitrd {r.Initrd}\nappend {r.Manifest.Append}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
