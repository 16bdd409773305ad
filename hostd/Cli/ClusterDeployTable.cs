using System.Globalization;
using System.Text;
using Jumpstart.Hostd.Cluster.Deployments;

namespace Jumpstart.Hostd.Cli;

/// <summary>The report of <c>jumpstart deploy --cluster</c>: where each instance runs, per host and overall per stage (the paper's Fig. 2).</summary>
internal static class ClusterDeployTable
{
    public static string Format(ClusterDeployReport report)
    {
        var text = new StringBuilder();
        var template = report.TemplateSeconds is { } t ? $", template boot+suspend {Seconds(t)} s" : string.Empty;
        text.AppendLine(CultureInfo.InvariantCulture, $"deployment {report.DeploymentId} {report.State}: {report.Instances.Count} instance(s) on {report.Hosts.Count(h => h.Instances.Count > 0)} host(s) from {report.Bundle} ({report.MemoryFormat}, {report.Placement}){template}");
        if (report.Distribution is { } distribution)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"bundle distributed by {distribution.Transport} in {Seconds(distribution.Seconds)} s ({distribution.Reason})");
        }

        if (report.Images is { } images)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"base image by {images.Scheme} in {Seconds(images.Seconds)} s: {string.Join(", ", images.Hosts.Select(h => $"{h.Host} {h.Kind}"))}");
        }

        text.AppendLine();
        DeploymentTable.AppendTable(
            text,
            ["INSTANCE", "HOST", "ADDRESS", "ROLE", "STATE", "NOTE"],
            report.Instances.Select(i => new[]
            {
                i.InstanceId, i.Host, i.Address ?? "-", i.Role ?? "-", i.State,
                (i.MovedFrom.Count > 0 ? $"moved from {string.Join(", ", i.MovedFrom)}" + (i.Detail is null ? string.Empty : ": ") : string.Empty) + (i.Detail ?? string.Empty),
            }));
        if (report.Breakdown is { } overall)
        {
            var hosts = report.Hosts.Where(h => h.Breakdown is not null).ToList();
            text.AppendLine();
            DeploymentTable.AppendTable(
                text,
                ["STAGE (per clone, mean s)", .. hosts.Select(h => h.Host), "ALL", "MAX"],
                overall.Stages.Select(s => new[] { s.Stage }
                    .Concat(hosts.Select(h => Seconds(h.Breakdown![s.Stage].MeanSeconds)))
                    .Concat([Seconds(s.MeanSeconds), Seconds(s.MaxSeconds)])
                    .ToArray()));
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"request -> all {overall.Clones} running:    {Seconds(overall.AllRunningSeconds)} s");
            text.AppendLine(CultureInfo.InvariantCulture, $"request -> all roles assigned: {(report.AllRolesSeconds is { } r ? Seconds(r) + " s" : "not reached")}");
        }

        foreach (var host in report.Hosts.Where(h => h.Error is not null))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"host {host.Host} left the deployment: {host.Error}");
        }

        if (report.Message is { } message)
        {
            text.AppendLine(message);
        }

        return text.ToString();
    }

    public static string FormatView(ClusterDeploymentView view)
        => view.Report is { } report
            ? $"record: {view.State} (updated {view.UpdatedAt:u})\n{Format(report)}"
            : FormatList([view]);

    public static string FormatList(IReadOnlyList<ClusterDeploymentView> views)
    {
        var text = new StringBuilder();
        DeploymentTable.AppendTable(
            text,
            ["DEPLOYMENT", "STATE", "BUNDLE", "INSTANCES", "HOSTS", "UPDATED"],
            views.Select(v => new[]
            {
                v.DeploymentId, v.State, v.Bundle, v.Placements.Count.ToString(CultureInfo.InvariantCulture),
                string.Join(",", v.Placements.Select(p => p.Host).Distinct(StringComparer.Ordinal)), v.UpdatedAt.ToString("u", CultureInfo.InvariantCulture),
            }));
        return text.ToString();
    }

    private static string Seconds(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
