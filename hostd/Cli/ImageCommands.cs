using System.CommandLine;
using System.Globalization;
using System.Net;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cli;

/// <summary><c>jumpstart image ...</c>: base images served over NBD.</summary>
public static class ImageCommands
{
    public static Command Create()
    {
        var image = new Command(
            "image",
            "Base images over NBD: serve a raw image in the foreground (serve); through hostd: add, list, stats, "
            + "replicate, fill; plan the distribution scheme (plan); bake a Debian guest image from a recipe (bake).");
        image.Subcommands.Add(CreateServe());
        ImageHostCommands.AddTo(image);
        image.Subcommands.Add(CreateFill());
        image.Subcommands.Add(ImagePlanCommand.Create());
        image.Subcommands.Add(ImageReplicateCommand.Create());
        image.Subcommands.Add(ImageBakeCommand.Create());
        return image;
    }

    private static Command CreateServe()
    {
        var file = new Option<string>("--file") { Description = "Raw image file to export (read-only unless --writable)." };
        var pseudo = new PseudoOptions();
        var name = new Option<string?>("--name") { Description = "Export name (default: the file name without extension); also the default export." };
        var unix = new Option<string?>("--unix") { Description = "Listen on this unix socket (a stale socket file is replaced)." };
        var tcp = new Option<string?>("--tcp") { Description = "Listen on TCP ADDR:PORT (port 0 picks one; e.g. 127.0.0.1:10809, [::1]:0)." };
        var writable = new Option<bool>("--writable") { Description = "Accept writes (default: read-only, which also allows multi-connection clients)." };
        var json = new Option<bool>("--json") { Description = "Print the endpoints and, on exit, the export statistics as JSON." };
        var serve = new Command(
            "serve",
            "Serve an image over NBD in the foreground until SIGINT/SIGTERM: a raw file (--file), or a pseudo image that fetches "
            + "missing extents from --upstream replicas into --cache. Prints one 'listening: URI' line per endpoint.")
        {
            file, name, unix, tcp, writable, json,
        };
        pseudo.AddTo(serve, withServeOptions: true);
        serve.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var unixPath = parse.GetValue(unix);
            var tcpText = parse.GetValue(tcp);
            if (unixPath is null && tcpText is null)
            {
                throw new CliUsageException("image serve needs --unix SOCKET and/or --tcp ADDR:PORT");
            }

            if (pseudo.IsRequested(parse))
            {
                if (parse.GetValue(file) is not null || parse.GetValue(writable))
                {
                    throw new CliUsageException("image serve takes either --file or --upstream, and a pseudo image is read-only");
                }

                var pseudoOptions = pseudo.Read(parse, parse.GetValue(name));
                var endpoints = new ServeEndpoints(
                    pseudoOptions.Name, unixPath is null ? null : Path.GetFullPath(unixPath), tcpText is null ? null : ParseEndPoint(tcpText), parse.GetValue(json));
                return await PseudoImageCli.ServeAsync(pseudoOptions, endpoints, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
            }

            var path = parse.GetValue(file) ?? throw new CliUsageException("image serve needs --file IMAGE or --upstream URI --cache DIR");

            var options = new ImageServeOptions
            {
                File = path,
                Name = parse.GetValue(name) ?? Path.GetFileNameWithoutExtension(path),
                UnixSocket = unixPath is null ? null : Path.GetFullPath(unixPath),
                Tcp = tcpText is null ? null : ParseEndPoint(tcpText),
                Writable = parse.GetValue(writable),
                Json = parse.GetValue(json),
            };
            return await ImageServe.RunAsync(options, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
        }));
        return serve;
    }

    /// <summary>
    /// <c>image fill IMAGE</c> fills a pseudo image hostd serves (background deployment); <c>image fill --upstream URI
    /// --cache DIR</c> fills a cache directory offline, without hostd.
    /// </summary>
    private static Command CreateFill()
    {
        var pseudo = new PseudoOptions();
        var hostd = HostdCall.CreateOptions();
        var image = new Argument<string?>("image") { Description = "A pseudo image served by hostd (omit, and give --upstream and --cache, to fill a cache directory offline).", Arity = ArgumentArity.ZeroOrOne };
        var name = new Option<string?>("--name") { Description = "Offline: image name, the cache's identity (default: the first upstream's export name)." };
        var rate = new Option<string?>("--rate") { Description = "Fetch at most this rate: 50MB/s, 1Gbit/s, or a bare number of MB/s (default: unlimited)." };
        var fill = new Command(
            "fill",
            "Fetch every block a pseudo image lacks so it becomes a full replica: through hostd (IMAGE), or offline for a cache "
            + "directory (--upstream, --cache). Progress goes to stderr; the final status to stdout.")
        {
            image, name, rate, hostd.Socket, hostd.Json,
        };
        pseudo.AddTo(fill, withServeOptions: false);
        fill.SetAction((parse, cancellationToken) =>
        {
            var imageName = parse.GetValue(image);
            if (!pseudo.IsRequested(parse) && imageName is null)
            {
                return CliAction.RunAsync(parse.InvocationConfiguration.Error, () => throw new CliUsageException("image fill needs IMAGE (through hostd) or --upstream URI and --cache DIR (offline)"));
            }

            if (imageName is null)
            {
                return CliAction.RunAsync(parse.InvocationConfiguration.Error, () => PseudoImageCli.FillAsync(
                    pseudo.Read(parse, parse.GetValue(name)),
                    FillRate(parse.GetValue(rate)) / 1e6,
                    parse.GetValue(hostd.Json),
                    parse.InvocationConfiguration.Output,
                    parse.InvocationConfiguration.Error,
                    cancellationToken));
            }

            return HostdCall.RunAsync(parse, hostd, cancellationToken, async (connection, json, output) =>
            {
                if (pseudo.IsRequested(parse))
                {
                    throw new CliUsageException("give IMAGE (hostd fills it from its own upstreams) or --upstream/--cache, not both");
                }

                var request = new ImageFillRequest { Name = imageName, RateBytesPerSecond = (long)FillRate(parse.GetValue(rate)) };
                var info = await connection.InvokeAsync<ImageInfo>(HostMethods.ImageFill, request, cancellationToken);
                await CliOutput.WriteAsync(output, json, info, i => $"{i.Name}: {Quantities.FormatBytes(i.PresentBytes)} of {Quantities.FormatBytes(i.Size)} present{(i.Complete ? ", complete" : string.Empty)}");
                return ExitCodes.Ok;
            });
        });
        return fill;
    }

    /// <summary>Bytes per second; 0 = unlimited. A bare number is MB/s (10^6 bytes).</summary>
    private static double FillRate(string? text)
    {
        if (text is null)
        {
            return 0;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var megabytes))
        {
            return megabytes >= 0 && double.IsFinite(megabytes)
                ? megabytes * 1e6
                : throw new CliUsageException("--rate must be a positive rate such as 50MB/s (or 0 for unlimited)");
        }

        return CliUsageException.Parse("--rate", () => Quantities.ParseRate(text));
    }

    private static IPEndPoint ParseEndPoint(string text)
        => IPEndPoint.TryParse(text, out var endPoint) && HasPort(text, endPoint)
            ? endPoint
            : throw new CliUsageException($"--tcp wants ADDR:PORT (e.g. 127.0.0.1:10809 or [::1]:10809), not '{text}'");

    // IPEndPoint.TryParse accepts a bare address (port 0); a listener without an explicit port is a usage error.
    private static bool HasPort(string text, IPEndPoint endPoint)
        => endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? text.StartsWith('[') && text.Contains("]:", StringComparison.Ordinal)
            : text.Contains(':', StringComparison.Ordinal);
}
