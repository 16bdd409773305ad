using System.Globalization;
using System.Text;
using Jumpstart.Hostd.Traffic.Storage;

namespace Jumpstart.Hostd.Cli;

public static partial class FlowsCommands
{
    /// <summary>A people-readable table: one flow per line, forward (up) and backward (down) sums.</summary>
    internal static string FormatTable(IEnumerable<FlowRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"ID",6} {"PROTO",5} {"CLIENT",-40} {"SERVER",-40} {"UP PKTS",8} {"UP BYTES",10} {"DOWN PKTS",9} {"DOWN BYTES",10} {"SECONDS",9} {"END",-13} {"LABEL",-10}");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{row.Id,6} {row.Protocol,5} {Endpoint(row.Client, row.ClientPort),-40} {Endpoint(row.Server, row.ServerPort),-40} {row.Features.Forward.Packets,8} {row.Features.Forward.Bytes,10} {row.Features.Backward.Packets,9} {row.Features.Backward.Bytes,10} {row.Features.DurationSeconds,9:0.000} {row.EndReason,-13} {row.Label ?? "-",-10}");
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>Traffic per application per VM, largest first.</summary>
    internal static string ApplicationTable(IEnumerable<ApplicationTraffic> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"VM",-20} {"APPLICATION",-16} {"FLOWS",8} {"PACKETS",10} {"BYTES",14}");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{row.Vm ?? "-",-20} {row.Application,-16} {row.Flows,8} {row.Packets,10} {row.Bytes,14}");
        }

        return text.ToString().TrimEnd();
    }

    private static string Endpoint(string address, int port)
        => address.Contains(':', StringComparison.Ordinal) ? $"[{address}]:{port}" : $"{address}:{port}";
}
