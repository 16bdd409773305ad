using System.Globalization;

namespace Jumpstart.Hostd.Cluster.Deployments.Images;

/// <summary>What <c>--images</c> asks for: <c>shared</c>, <c>copies:K</c>, <c>pseudo:K</c> or <c>auto</c>.</summary>
/// <param name="Kind">One of <see cref="Shared"/>, <see cref="Copies"/>, <see cref="Pseudo"/>, <see cref="Auto"/>.</param>
/// <param name="Images">K: how many image servers the clones read (the real image counts as one); 1 for shared and auto.</param>
public sealed record ImageScheme(string Kind, int Images)
{
    /// <summary>Every host's clones read the one real image (on the origin).</summary>
    public const string Shared = "shared";

    /// <summary>K full copies (the real image one of them) made by unicast before the clones start.</summary>
    public const string Copies = "copies";

    /// <summary>K pseudo images (the real image one of them) that fetch each missed extent once.</summary>
    public const string Pseudo = "pseudo";

    /// <summary>The planner picks.</summary>
    public const string Auto = "auto";

    /// <summary>The most image servers a scheme may ask for (more than the hosts of a deployment is cut to them).</summary>
    public const int MaxImages = 64;

    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="ClusterRequestException">Not one of the four forms, or K outside 1..<see cref="MaxImages"/>.</exception>
    public static ImageScheme Parse(string? text)
    {
        if (text is Shared or Auto)
        {
            return new ImageScheme(text, 1);
        }

        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (text is null || colon < 0 || text[..colon] is not (Copies or Pseudo))
        {
            throw new ClusterRequestException($"image scheme '{text}' is none of shared, copies:K, pseudo:K, auto");
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k < 1 || k > MaxImages)
        {
            throw new ClusterRequestException($"image scheme '{text}': K must be a whole number from 1 to {MaxImages}");
        }

        return new ImageScheme(text[..colon], k);
    }

    public override string ToString() => Kind is Shared or Auto ? Kind : string.Create(CultureInfo.InvariantCulture, $"{Kind}:{Images}");
}
