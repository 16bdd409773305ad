namespace Jumpstart.Shared.Metadata;

/// <summary>
/// The CMS a clone registers with, and the bearer token that proves which instance it is. With several managers sharing
/// the CMS state (etcd), <see cref="Alternates"/> names the other managers' CMS: guestd tries the next one when one is
/// unreachable or has lost its store. Metadata without <c>alternates</c> (one CMS) stays valid.
/// </summary>
public sealed record CmsEndpoint
{
    /// <summary>Most alternates one metadata disc may name (an etcd cluster has at most 9 members, so 9 managers).</summary>
    public const int MaxAlternates = 8;

    public required string Host { get; init; }

    public required int Port { get; init; }

    public required string Token { get; init; }

    /// <summary>Other CMS endpoints (<c>HOST:PORT</c>) of the same cluster, tried in order after <see cref="Host"/>:<see cref="Port"/>; null: none.</summary>
    public IReadOnlyList<string>? Alternates { get; init; }

    /// <summary>Value equality, the alternates compared element by element.</summary>
    public bool Equals(CmsEndpoint? other)
        => other is not null && Host == other.Host && Port == other.Port && Token == other.Token
            && (Alternates ?? []).SequenceEqual(other.Alternates ?? [], StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Host, Port, Token, Alternates?.Count ?? 0);

    /// <summary>This endpoint then the alternates, as (host, port); an alternate that is not <c>HOST:PORT</c> is skipped.</summary>
    public IReadOnlyList<(string Host, int Port)> All()
    {
        var all = new List<(string, int)> { (Host, Port) };
        foreach (var alternate in Alternates ?? [])
        {
            if (TryParse(alternate, out var host, out var port))
            {
                all.Add((host, port));
            }
        }

        return all;
    }

    /// <summary>Splits <c>HOST:PORT</c> (an IPv6 host in brackets).</summary>
    public static bool TryParse(string? text, out string host, out int port)
    {
        host = string.Empty;
        port = 0;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (text is null || colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is <= 0 or > ushort.MaxValue)
        {
            return false;
        }

        host = text[..colon].Trim('[', ']');
        return host.Length > 0;
    }
}
