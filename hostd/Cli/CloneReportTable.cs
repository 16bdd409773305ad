using System.Globalization;
using System.Text;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cli;

/// <summary>A clone report for people: one row per clone, seconds from the request to the end of each stage.</summary>
public static class CloneReportTable
{
    private static readonly string[] s_stages = [CloneStage.Disks, CloneStage.Spawn, CloneStage.Migrated, CloneStage.DiscInserted, CloneStage.Running];

    public static string Format(CloneReport report)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"bundle {report.Bundle}: verified in {report.VerifySeconds:0.000} s, all done in {report.TotalSeconds:0.000} s\n");
        text.Append(CultureInfo.InvariantCulture, $"{"CLONE",-20}");
        foreach (var stage in s_stages)
        {
            text.Append(CultureInfo.InvariantCulture, $" {stage,16}");
        }

        foreach (var clone in report.Clones)
        {
            text.Append('\n').Append(CultureInfo.InvariantCulture, $"{clone.Name,-20}");
            foreach (var stage in s_stages)
            {
                var at = clone.Stages.FirstOrDefault(s => s.Stage == stage);
                text.Append(CultureInfo.InvariantCulture, $" {(at is null ? "-" : at.Seconds.ToString("0.000", CultureInfo.InvariantCulture)),16}");
            }

            if (!clone.Succeeded)
            {
                text.Append("  FAILED: ").Append(clone.Error);
            }
        }

        return text.ToString();
    }
}
