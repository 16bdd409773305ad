namespace Jumpstart.Shared.Iso9660;

/// <summary>One node of the tree an <see cref="IsoImageBuilder"/> lays out, with its layout results.</summary>
internal sealed class IsoBuildNode(string name, IsoEntryKind kind, int mode, IsoBuildNode? parent)
{
    public string Name { get; } = name;

    public IsoEntryKind Kind { get; } = kind;

    public int Mode { get; } = mode;

    /// <summary>The root is its own parent, as its ".." record says (ECMA-119 6.8.2.2).</summary>
    public IsoBuildNode Parent => parent ?? this;

    public int Depth { get; } = parent is null ? 1 : parent.Depth + 1;

    public ReadOnlyMemory<byte> Content { get; init; }

    public string? SymlinkTarget { get; init; }

    public SortedDictionary<string, IsoBuildNode> Children { get; } = new(StringComparer.Ordinal);

    public byte[] IsoIdentifier { get; set; } = [IsoLayout.Record.SelfIdentifier];

    public byte[] JolietIdentifier { get; set; } = [IsoLayout.Record.SelfIdentifier];

    /// <summary>Children in ECMA-119 9.3 order for the primary hierarchy.</summary>
    public List<IsoBuildNode> PrimaryOrder { get; } = [];

    /// <summary>Children in 9.3 order for the Joliet hierarchy (symlinks have no Joliet record).</summary>
    public List<IsoBuildNode> JolietOrder { get; } = [];

    /// <summary>Path table directory numbers (ECMA-119 9.4.5), 1-based.</summary>
    public ushort PrimaryNumber { get; set; }

    public ushort JolietNumber { get; set; }

    public uint PrimaryExtent { get; set; }

    public uint PrimarySize { get; set; }

    public uint JolietExtent { get; set; }

    public uint JolietSize { get; set; }

    public uint DataExtent { get; set; }

    public uint DataLength => Kind == IsoEntryKind.File ? (uint)Content.Length : 0;

    public int LinkCount => Kind == IsoEntryKind.Directory
        ? 2 + Children.Values.Count(c => c.Kind == IsoEntryKind.Directory)
        : 1;
}
