using System.Collections.Concurrent;
using System.Text;
using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>
/// The exports an <see cref="NbdServer"/> offers, by name, with their live statistics. Thread-safe: exports may be
/// added and removed while clients are connected (a removed export stays served to connections already using it).
/// </summary>
/// <remarks>proto.md "NBD_OPT_INFO and NBD_OPT_GO": the empty name selects the server's default export.</remarks>
public sealed class NbdExportSet
{
    private readonly ConcurrentDictionary<string, Entry> _exports = new(StringComparer.Ordinal);
    private volatile string? _defaultExport;

    /// <summary>The export an empty export name selects, or null for none.</summary>
    public string? DefaultExport
    {
        get => _defaultExport;
        set => _defaultExport = value;
    }

    /// <summary>Names of the exports, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _exports.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Adds <paramref name="export"/> under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty, too long, holds NUL, or is taken.</exception>
    public void Add(string name, INbdExport export)
    {
        ArgumentNullException.ThrowIfNull(export);
        ValidateName(name);
        if (!_exports.TryAdd(name, new Entry(name, export, new NbdExportCounters(name))))
        {
            throw new ArgumentException($"an export named '{name}' already exists", nameof(name));
        }
    }

    /// <summary>Removes the export; new connections can no longer select it.</summary>
    public bool Remove(string name) => _exports.TryRemove(name, out _);

    /// <summary>Finds an export by name; "" selects <see cref="DefaultExport"/>.</summary>
    public bool TryGet(string name, out INbdExport export)
    {
        if (TryGetEntry(name, out var entry))
        {
            export = entry.Export;
            return true;
        }

        export = null!;
        return false;
    }

    /// <summary>A snapshot of the export's counters, or null when there is no such export.</summary>
    public NbdExportStatistics? StatisticsOf(string name)
        => TryGetEntry(name, out var entry) ? entry.Counters.Snapshot() : null;

    /// <summary>Resolves a client's export name (empty = default) to the export and its counters.</summary>
    internal bool TryGetEntry(string name, out Entry entry)
    {
        var resolved = name.Length == 0 ? _defaultExport : name;
        if (resolved is not null && _exports.TryGetValue(resolved, out var found))
        {
            entry = found;
            return true;
        }

        entry = null!;
        return false;
    }

    /// <summary>All exports with their descriptions, for NBD_OPT_LIST.</summary>
    internal IEnumerable<Entry> Entries => _exports.Values.OrderBy(e => e.Name, StringComparer.Ordinal);

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('\0', StringComparison.Ordinal) || Encoding.UTF8.GetByteCount(name) > NbdLimits.MaxStringLength)
        {
            throw new ArgumentException($"export name must be at most {NbdLimits.MaxStringLength} UTF-8 bytes without NUL", nameof(name));
        }
    }

    /// <summary>One export and its counters.</summary>
    internal sealed record Entry(string Name, INbdExport Export, NbdExportCounters Counters);
}
