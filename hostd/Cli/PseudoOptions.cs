using System.CommandLine;
using Jumpstart.Hostd.Images;
using Jumpstart.Shared.Nbd.Client;

namespace Jumpstart.Hostd.Cli;

/// <summary>The command-line options of a pseudo image, shared by <c>image serve</c> and <c>image fill</c>.</summary>
internal sealed class PseudoOptions
{
    private readonly Option<string[]> _upstream = new("--upstream")
    {
        Description = "Upstream replica (nbd://host[:port]/export or nbd+unix:///export?socket=PATH); repeat for fail-over order.",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _cache = new("--cache") { Description = "Cache directory of the pseudo image (created if missing)." };
    private readonly Option<bool> _sizeCheck = new("--size-check") { Description = "Connect to every upstream at start and refuse one whose size differs." };
    private readonly Option<int> _extentSize = new("--extent-size")
    {
        Description = "Extent size in bytes: the unit fetched and kept (power of two, 64 KiB..64 MiB; default 1 MiB).",
        DefaultValueFactory = _ => PseudoImageOptions.DefaultExtentSize,
    };

    private readonly Option<int> _readAhead = new("--readahead") { Description = "Extents fetched ahead of a sequential reader (0 disables; default 8).", DefaultValueFactory = _ => 8 };
    private readonly Option<string?> _recordAccess = new("--record-access") { Description = "Record the extents clients read, in first-access order, to this file." };
    private readonly Option<string?> _replay = new("--replay") { Description = "Prefetch the extents of this access log in the background after start." };

    public void AddTo(Command command, bool withServeOptions)
    {
        command.Options.Add(_upstream);
        command.Options.Add(_cache);
        command.Options.Add(_sizeCheck);
        command.Options.Add(_extentSize);
        if (withServeOptions)
        {
            command.Options.Add(_readAhead);
            command.Options.Add(_recordAccess);
            command.Options.Add(_replay);
        }
    }

    public bool IsRequested(ParseResult parse) => parse.GetValue(_upstream) is { Length: > 0 } || parse.GetValue(_cache) is not null;

    /// <exception cref="CliUsageException">A missing or malformed option.</exception>
    public PseudoImageCliOptions Read(ParseResult parse, string? name)
    {
        var upstreams = new List<NbdUri>();
        foreach (var text in parse.GetValue(_upstream) ?? [])
        {
            upstreams.Add(NbdUri.TryParse(text, out var uri, out var reason) ? uri! : throw new CliUsageException($"--upstream: {reason}"));
        }

        if (upstreams.Count == 0)
        {
            throw new CliUsageException("a pseudo image needs at least one --upstream URI");
        }

        var cache = parse.GetValue(_cache) ?? throw new CliUsageException("a pseudo image needs --cache DIR");
        var extentSize = parse.GetValue(_extentSize);
        if (extentSize is < PseudoImageOptions.MinExtentSize or > PseudoImageOptions.MaxExtentSize || (extentSize & (extentSize - 1)) != 0)
        {
            throw new CliUsageException($"--extent-size must be a power of two from {PseudoImageOptions.MinExtentSize} to {PseudoImageOptions.MaxExtentSize}");
        }

        var readAhead = parse.GetValue(_readAhead);
        return new PseudoImageCliOptions
        {
            Upstreams = upstreams,
            CacheDirectory = Path.GetFullPath(cache),
            Name = name ?? (upstreams[0].ExportName is { Length: > 0 } export ? export : "image"),
            SizeCheck = parse.GetValue(_sizeCheck),
            ExtentSize = extentSize,
            ReadAhead = readAhead >= 0 ? readAhead : throw new CliUsageException("--readahead must not be negative"),
            RecordAccess = parse.GetValue(_recordAccess) is { } record ? Path.GetFullPath(record) : null,
            Replay = parse.GetValue(_replay) is { } replay ? Path.GetFullPath(replay) : null,
        };
    }
}
