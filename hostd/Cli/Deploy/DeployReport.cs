using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cli.Deploy;

/// <summary>What <c>jumpstart deploy</c> prints (as JSON with <c>--json</c>): the deployment, each clone, the breakdown.</summary>
public sealed record DeployReport
{
    public required string DeploymentId { get; init; }

    public required string Bundle { get; init; }

    public required string MemoryFormat { get; init; }

    /// <summary>Template boot + suspend to the bundle, in seconds; null when an existing bundle was reused.</summary>
    public double? TemplateSeconds { get; init; }

    public required IReadOnlyList<CloneTimeline> Timelines { get; init; }

    /// <summary>The CMS's view at the end: each instance's role, phase, hostname and addresses.</summary>
    public required DeploymentStatus Cms { get; init; }

    public required DeployBreakdown Breakdown { get; init; }

    /// <summary>True when every clone reported ready.</summary>
    public bool Complete => Cms.Expected > 0 && Cms.Ready == Cms.Expected;
}
