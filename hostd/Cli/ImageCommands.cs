using System.CommandLine;
using System.Net;

namespace Jumpstart.Hostd.Cli;

/// <summary><c>jumpstart image ...</c>: base images served over NBD.</summary>
public static class ImageCommands
{
    public static Command Create()
    {
        var image = new Command(
            "image",
            "Base images over NBD: serve a raw image in the foreground (serve); through hostd: add, list, stats, "
            + "replicate, fill; and plan the distribution scheme (plan).");
        image.Subcommands.Add(CreateServe());
        image.Subcommands.Add(CreateFill());
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

    private static Command CreateFill()
    {
        var pseudo = new PseudoOptions();
        var name = new Option<string?>("--name") { Description = "Image name, the cache's identity (default: the first upstream's export name)." };
        var rate = new Option<double>("--rate") { Description = "Fetch at most this many MB/s (10^6 bytes; default 0: unlimited).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print the final status as JSON." };
        var fill = new Command(
            "fill",
            "Fill a pseudo image's cache directory offline from its upstream(s) until it is a full replica. Progress lines "
            + "('fill: PERCENT ...') go to stderr; the final status to stdout.")
        {
            name, rate, json,
        };
        pseudo.AddTo(fill, withServeOptions: false);
        fill.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            if (!pseudo.IsRequested(parse))
            {
                throw new CliUsageException("image fill needs --upstream URI and --cache DIR");
            }

            var megabytesPerSecond = parse.GetValue(rate);
            if (megabytesPerSecond < 0 || double.IsNaN(megabytesPerSecond))
            {
                throw new CliUsageException("--rate must be a positive number of MB/s (0 for unlimited)");
            }

            return await PseudoImageCli.FillAsync(
                pseudo.Read(parse, parse.GetValue(name)), megabytesPerSecond, parse.GetValue(json), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
        }));
        return fill;
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
