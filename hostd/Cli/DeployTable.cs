using System.Globalization;
using System.Text;
using Jumpstart.Hostd.Cli.Deploy;

namespace Jumpstart.Hostd.Cli;

/// <summary>The per-stage breakdown of <c>jumpstart deploy</c>, laid out like the paper's Fig. 2.</summary>
internal static class DeployTable
{
    public static string Format(DeployReport report)
    {
        var text = new StringBuilder();
        var template = report.TemplateSeconds is { } t ? $", template boot+suspend {Seconds(t)} s" : string.Empty;
        text.AppendLine($"deployed {report.DeploymentId}: {report.Breakdown.Clones} clones from {report.Bundle} ({report.MemoryFormat}){template}");
        text.AppendLine();
        DeploymentTable.AppendTable(
            text,
            ["STAGE (per clone)", "MEAN s", "MAX s", "CLONES"],
            report.Breakdown.Stages.Select(s => new[] { s.Stage, Seconds(s.MeanSeconds), Seconds(s.MaxSeconds), s.Clones.ToString(CultureInfo.InvariantCulture) }));
        text.AppendLine();
        text.AppendLine($"request -> all {report.Breakdown.Clones} running:    {Seconds(report.Breakdown.AllRunningSeconds)} s");
        text.AppendLine($"request -> all roles assigned: {(report.Breakdown.AllReadySeconds is { } r ? Seconds(r) + " s" : "not reached")}");
        text.AppendLine();
        text.Append(DeploymentTable.Format(report.Cms));
        return text.ToString();
    }

    private static string Seconds(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
