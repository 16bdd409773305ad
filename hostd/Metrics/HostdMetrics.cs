using System.Diagnostics.Metrics;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Metrics;

/// <summary>
/// Every metric hostd records as it works, in one place: one <see cref="Meter"/> and named instruments that the
/// capabilities call in one line where the event happens. Recording costs next to nothing while no one listens (the
/// CLI, tests, hostd with metrics off); <see cref="MetricsServer"/> exports them when <c>Metrics:Enabled</c> is on.
/// Metrics read from state that already exists (VMs by state, NBD counters, capture statistics) are observed at
/// scrape time instead, by <see cref="HostdObservedMetrics"/>. Names and labels are listed in hostd/Metrics/README.md.
/// </summary>
/// <remarks>
/// The instruments are System.Diagnostics.Metrics ones, so the instrumented code needs no exporter: the exporter
/// (prometheus-net) is referenced only by <see cref="MetricsExporter"/>. Names are already Prometheus names
/// (snake_case, unit suffix, <c>_total</c> on counters) so that the exported name is the name written here.
/// </remarks>
public static class HostdMetrics
{
    /// <summary>The meter's name (for any listener; the exporter picks hostd's meters by identity).</summary>
    public const string MeterName = "Jumpstart.Hostd";

    public const string CloneStageSecondsName = "jumpstart_clone_stage_seconds";
    public const string BundleVerifySecondsName = "jumpstart_bundle_verify_seconds";
    public const string CmsRegistrationsName = "jumpstart_cms_registrations_total";
    public const string CmsReportsName = "jumpstart_cms_reports_total";
    public const string CmsErrorsName = "jumpstart_cms_errors_total";
    public const string TrafficFlowsName = "jumpstart_traffic_flows_total";
    public const string TrafficFlowsDroppedName = "jumpstart_traffic_flows_dropped_total";
    public const string StoreBytesName = "jumpstart_store_bytes_total";
    public const string StoreFailuresName = "jumpstart_store_failures_total";

    /// <summary>Label names.</summary>
    public const string StageLabel = "stage";
    public const string RoleLabel = "role";
    public const string PhaseLabel = "phase";
    public const string MethodLabel = "method";
    public const string CodeLabel = "code";
    public const string OperationLabel = "operation";

    /// <summary>Values of <see cref="OperationLabel"/> on the store's metrics.</summary>
    public const string StorePut = "put";
    public const string StoreGet = "get";

    /// <summary>JSON-RPC 2.0's "Internal error": the code a CMS call that failed unexpectedly is counted under.</summary>
    public const int InternalErrorCode = -32603;

    /// <summary>Stages that the clone operation's own stages add up to (see <see cref="CloneStageMarked"/>).</summary>
    public const string ResumeStage = "resume";
    public const string GuestConfigurationStage = "guest-configuration";
    public const string CmsRoleStage = "cms-role";

    /// <summary>Histogram buckets of every duration, seconds: from a 5 ms stage to a 5 minute template resume under TCG.</summary>
    public static IReadOnlyList<double> SecondsBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    internal static Meter Meter { get; } = new(MeterName);

    /// <summary>Duration of one stage of one clone: the clone operation's stages (disks, spawn, migrate-incoming,
    /// disc-inserted, cont), <see cref="ResumeStage"/> (disks ready to running), and the CMS's
    /// <see cref="GuestConfigurationStage"/> and <see cref="CmsRoleStage"/>.</summary>
    public static Histogram<double> CloneStageSeconds { get; } = Meter.CreateHistogram<double>(
        CloneStageSecondsName, "s", "Duration of one stage of one clone, by stage");

    /// <summary>Time to verify a state bundle (checksums, spec, accelerator) before clones start.</summary>
    public static Histogram<double> BundleVerifySeconds { get; } = Meter.CreateHistogram<double>(
        BundleVerifySecondsName, "s", "Time to verify a state bundle before resuming clones from it");

    /// <summary>First registrations with the CMS, by the role the policy gave.</summary>
    public static Counter<long> CmsRegistrations { get; } = Meter.CreateCounter<long>(
        CmsRegistrationsName, null, "First registrations of instances with the CMS, by assigned role");

    /// <summary>Reports of instances to the CMS, by phase (configured, ready, failed).</summary>
    public static Counter<long> CmsReports { get; } = Meter.CreateCounter<long>(
        CmsReportsName, null, "Phase reports of instances to the CMS, by phase");

    /// <summary>CMS calls answered with an error, by method and JSON-RPC code.</summary>
    public static Counter<long> CmsErrors { get; } = Meter.CreateCounter<long>(
        CmsErrorsName, null, "CMS calls answered with an error, by method and code");

    /// <summary>Flows finished by live capture (the rate of this is flows per second).</summary>
    public static Counter<long> TrafficFlows { get; } = Meter.CreateCounter<long>(
        TrafficFlowsName, null, "Flows finished by live capture");

    /// <summary>Finished flows lost because the writer's queue was full.</summary>
    public static Counter<long> TrafficFlowsDropped { get; } = Meter.CreateCounter<long>(
        TrafficFlowsDroppedName, null, "Finished flows dropped because the flow store's queue was full");

    /// <summary>Plain bytes stored into or fetched from the state store.</summary>
    public static Counter<long> StoreBytes { get; } = Meter.CreateCounter<long>(
        StoreBytesName, "By", "Plain bytes stored (put) into or fetched (get) from the state store");

    /// <summary>State-store puts and gets that failed.</summary>
    public static Counter<long> StoreFailures { get; } = Meter.CreateCounter<long>(
        StoreFailuresName, null, "State-store puts and gets that failed");

    /// <summary>
    /// A clone's stage clock marked a stage: records the stage's own duration (since the previous mark), and
    /// <see cref="ResumeStage"/> (disks ready to running) when a resumed clone runs.
    /// </summary>
    /// <param name="stages">The stages so far, the new one last; times are seconds since the request.</param>
    public static void CloneStageMarked(IReadOnlyList<StageTime> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        if (stages.Count == 0)
        {
            return;
        }

        var last = stages[^1];
        var previous = stages.Count > 1 ? stages[^2].Seconds : 0;
        CloneStageSeconds.Record(Math.Max(0, last.Seconds - previous), new KeyValuePair<string, object?>(StageLabel, last.Stage));
        if (last.Stage == CloneStage.Running
            && stages.LastOrDefault(s => s.Stage == CloneStage.Disks) is { } disks)
        {
            CloneStageSeconds.Record(Math.Max(0, last.Seconds - disks.Seconds), new KeyValuePair<string, object?>(StageLabel, ResumeStage));
        }
    }

    /// <summary>
    /// A VM with <paramref name="instanceId"/> started: when it is a resumed clone (its last stage is <c>cont</c>), that
    /// moment starts its guest configuration. A cold boot's guest is still booting then, so it is left out.
    /// </summary>
    public static void CloneRunning(string? instanceId, IReadOnlyList<StageTime> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        if (stages.Count > 0 && stages[^1].Stage == CloneStage.Running)
        {
            CloneRunningTimes.Shared.Add(instanceId, stages[^1].At);
        }
    }

    /// <summary>The CMS registered an instance: counts the role and, when this host ran the clone, the guest configuration stage.</summary>
    public static void CmsRegistered(string instanceId, string role)
    {
        var at = DateTimeOffset.UtcNow;
        CmsRegistrations.Add(1, new KeyValuePair<string, object?>(RoleLabel, role));
        if (CloneRunningTimes.Shared.Take(instanceId) is { } running)
        {
            CloneStageSeconds.Record(Math.Max(0, (at - running).TotalSeconds), new KeyValuePair<string, object?>(StageLabel, GuestConfigurationStage));
        }
    }

    /// <summary>An instance reported <paramref name="phase"/>; a ready report ends its CMS role stage (since registration).</summary>
    public static void CmsReported(string phase, DateTimeOffset? registeredAt, DateTimeOffset? reportedAt)
    {
        CmsReports.Add(1, new KeyValuePair<string, object?>(PhaseLabel, phase));
        if (phase == InstancePhase.Ready && registeredAt is { } registered && reportedAt is { } reported)
        {
            CloneStageSeconds.Record(Math.Max(0, (reported - registered).TotalSeconds), new KeyValuePair<string, object?>(StageLabel, CmsRoleStage));
        }
    }

    /// <summary>A CMS call failed with JSON-RPC <paramref name="code"/>.</summary>
    public static void CmsFailed(string method, int code)
        => CmsErrors.Add(1, new KeyValuePair<string, object?>(MethodLabel, method), new KeyValuePair<string, object?>(CodeLabel, code));

    /// <summary>A store put or get moved <paramref name="bytes"/> plain bytes.</summary>
    public static void StoreTransferred(string operation, long bytes)
        => StoreBytes.Add(bytes, new KeyValuePair<string, object?>(OperationLabel, operation));

    /// <summary>A store put or get failed.</summary>
    public static void StoreFailed(string operation)
        => StoreFailures.Add(1, new KeyValuePair<string, object?>(OperationLabel, operation));
}
