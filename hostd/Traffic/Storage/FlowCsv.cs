using System.Globalization;
using Jumpstart.Hostd.Traffic.Features;

namespace Jumpstart.Hostd.Traffic.Storage;

/// <summary>
/// Flows as CSV (RFC 4180; invariant culture; times ISO 8601 UTC). Columns: identity, tags, label,
/// the flow's features (<c>f_</c> forward, <c>b_</c> backward; units in the names: <c>_s</c>
/// seconds, <c>_us</c> microseconds, <c>_Bps</c> bytes per second, <c>_pps</c> packets per
/// second), then the 22 NIMS features under their NIMS names.
/// </summary>
public static class FlowCsv
{
    private static readonly (string Name, Func<FlowRow, object?> Value)[] s_identity =
    [
        ("id", r => r.Id),
        ("start", r => r.Start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
        ("end", r => r.End.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
        ("client", r => r.Client),
        ("client_port", r => r.ClientPort),
        ("server", r => r.Server),
        ("server_port", r => r.ServerPort),
        ("protocol", r => r.Protocol),
        ("vlan", r => r.Vlan),
        ("end_reason", r => r.EndReason),
        ("vm", r => r.Vm),
        ("instance_id", r => r.InstanceId),
        ("deployment", r => r.Deployment),
        ("label", r => r.Label),
        ("confidence", r => r.Confidence),
        ("packets", r => r.Features.Packets),
        ("bytes", r => r.Features.Bytes),
        ("duration_s", r => r.Features.DurationSeconds),
        ("rate_Bps", r => r.Features.RateBytesPerSecond),
        ("up_bytes", r => r.Features.UpBytes),
        ("down_bytes", r => r.Features.DownBytes),
        ("density_pps", r => r.Features.DensityPacketsPerSecond),
    ];

    private static readonly (string Name, Func<DirectionFeatures, object?> Value)[] s_direction =
    [
        ("packets", d => d.Packets),
        ("bytes", d => d.Bytes),
        ("duration_s", d => d.DurationSeconds),
        ("rate_Bps", d => d.RateBytesPerSecond),
        ("pktl_min", d => d.PacketLengthMin),
        ("pktl_mean", d => d.PacketLengthMean),
        ("pktl_max", d => d.PacketLengthMax),
        ("pktl_std", d => d.PacketLengthStd),
        ("iat_min_us", d => d.InterArrivalMinMicroseconds),
        ("iat_mean_us", d => d.InterArrivalMeanMicroseconds),
        ("iat_max_us", d => d.InterArrivalMaxMicroseconds),
        ("iat_std_us", d => d.InterArrivalStdMicroseconds),
        ("density_pps", d => d.DensityPacketsPerSecond),
        ("burstiness", d => d.Burstiness),
    ];

    /// <summary>The header columns, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        .. s_identity.Select(c => c.Name),
        .. s_direction.Select(c => "f_" + c.Name),
        .. s_direction.Select(c => "b_" + c.Name),
        .. NimsFeatures.Names,
    ];

    public static async Task WriteAsync(TextWriter writer, IEnumerable<FlowRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(rows);
        await writer.WriteLineAsync(string.Join(',', Columns));
        var fields = new List<string>(Columns.Count);
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            fields.Clear();
            fields.AddRange(s_identity.Select(c => Field(c.Value(row))));
            fields.AddRange(s_direction.Select(c => Field(c.Value(row.Features.Forward))));
            fields.AddRange(s_direction.Select(c => Field(c.Value(row.Features.Backward))));
            fields.AddRange(row.Nims.Select(v => Field(v)));
            await writer.WriteLineAsync(string.Join(',', fields));
        }
    }

    private static string Field(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => Quote(s),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Quote(value.ToString() ?? ""),
    };

    private static string Quote(string value)
        => value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
