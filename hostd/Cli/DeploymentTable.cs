using System.Text;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cli;

/// <summary>Human-readable tables for <c>jumpstart deployment show|list</c>.</summary>
internal static class DeploymentTable
{
    public static string Format(DeploymentStatus status)
    {
        var text = new StringBuilder();
        text.AppendLine(Summary(status));
        var rows = status.Instances.Select(i => new[]
        {
            i.InstanceId, i.Role ?? "-", i.Phase, i.Hostname ?? "-", i.Addresses.Count > 0 ? i.Addresses[0] : "-", i.Detail ?? string.Empty,
        });
        AppendTable(text, ["INSTANCE", "ROLE", "PHASE", "HOSTNAME", "ADDRESS", "DETAIL"], rows);
        return text.ToString().TrimEnd();
    }

    public static string FormatList(IReadOnlyList<DeploymentStatus> list)
    {
        if (list.Count == 0)
        {
            return "no deployments";
        }

        var text = new StringBuilder();
        var rows = list.Select(d => new[]
        {
            d.DeploymentId, d.PolicyKind, Count(d.Expected), Count(d.Registered), Count(d.Ready), Count(d.Failed),
        });
        AppendTable(text, ["DEPLOYMENT", "POLICY", "EXPECTED", "REGISTERED", "READY", "FAILED"], rows);
        return text.ToString().TrimEnd();
    }

    private static string Summary(DeploymentStatus s)
        => $"deployment {s.DeploymentId}: policy {s.PolicyKind}, {s.Registered}/{s.Expected} registered, {s.Ready} ready, {s.Failed} failed";

    private static string Count(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static void AppendTable(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        foreach (var row in all)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }
    }
}
