using Jumpstart.Hostd.Images.Planning;

namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>A byte range of an image to copy: <c>OFFSET:LENGTH</c> on the command line (e.g. <c>1GiB:128MiB</c>).</summary>
public readonly record struct ImageRegion(long Offset, long Length)
{
    /// <summary>Most regions one copy accepts (bounds what a command line can make the copier track).</summary>
    public const int MaxRegions = 4096;

    /// <summary>End offset (exclusive).</summary>
    public long End => Offset + Length;

    /// <summary>Parses <c>OFFSET:LENGTH[,OFFSET:LENGTH...]</c> with units (<see cref="Quantities.ParseBytes"/>).</summary>
    public static IReadOnlyList<ImageRegion> ParseList(string text)
    {
        var parts = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.Length > MaxRegions)
        {
            throw new FormatException($"regions must be 1..{MaxRegions} items of OFFSET:LENGTH, e.g. 0:64MiB,1GiB:128MiB");
        }

        return [.. parts.Select(ParseOne)];
    }

    /// <summary>Sorts, merges overlaps and checks every region lies inside an image of <paramref name="imageSize"/> bytes.</summary>
    public static IReadOnlyList<ImageRegion> Normalize(IEnumerable<ImageRegion> regions, long imageSize)
    {
        var merged = new List<ImageRegion>();
        foreach (var region in regions.OrderBy(r => r.Offset))
        {
            if (region.Offset < 0 || region.Length <= 0 || region.Offset > imageSize - region.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(regions), $"region {region.Offset}:{region.Length} is not inside the image (size {imageSize})");
            }

            if (merged.Count > 0 && region.Offset <= merged[^1].End)
            {
                var last = merged[^1];
                merged[^1] = new ImageRegion(last.Offset, Math.Max(last.End, region.End) - last.Offset);
            }
            else
            {
                merged.Add(region);
            }
        }

        return merged;
    }

    private static ImageRegion ParseOne(string part)
    {
        var colon = part.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == part.Length - 1)
        {
            throw new FormatException($"region '{part}' is not OFFSET:LENGTH (e.g. 1GiB:128MiB)");
        }

        var offset = Quantities.ParseBytes(part[..colon]);
        var length = Quantities.ParseBytes(part[(colon + 1)..]);
        if (length == 0)
        {
            throw new FormatException($"region '{part}' is empty");
        }

        return new ImageRegion(offset, length);
    }
}
