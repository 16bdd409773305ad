using System.Globalization;
using System.Text;
using System.Text.Json;
using Jumpstart.Guestd.Configuration;

namespace Jumpstart.Guestd.Daemon;

/// <summary>What <c>jumpstart-guestd apply</c> prints: a small table for people, or JSON for scripts.</summary>
public sealed record ApplyReport
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string? InstanceId { get; init; }

    public string? Hostname { get; init; }

    public string? KernelHostname { get; init; }

    public bool AlreadyApplied { get; init; }

    public string? Role { get; init; }

    public string? MasterAddress { get; init; }

    public IReadOnlyList<StepReport> Steps { get; init; } = [];

    public double TotalMs => Math.Round(Steps.Sum(s => s.Ms), 1);

    /// <summary>Null on success.</summary>
    public string? FailedStep { get; init; }

    public string? Error { get; init; }

    public static ApplyReport From(ApplyResult result) => new()
    {
        InstanceId = result.InstanceId,
        Hostname = result.Hostname,
        KernelHostname = result.KernelHostname,
        AlreadyApplied = result.AlreadyApplied,
        Role = result.Role,
        MasterAddress = result.MasterAddress,
        Steps = Convert(result.Steps),
    };

    public static ApplyReport From(GuestConfigException failure) => new()
    {
        Steps = Convert(failure.Steps),
        FailedStep = failure.Step,
        Error = failure.Message,
    };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public string ToText()
    {
        var text = new StringBuilder();
        void Line(string key, string? value) => text.Append(CultureInfo.InvariantCulture, $"{key,-10}{value}\n");
        if (InstanceId is not null)
        {
            Line("instance", AlreadyApplied ? $"{InstanceId} (already applied; nothing changed)" : InstanceId);
            Line("hostname", KernelHostname is null ? Hostname : $"{Hostname} (kernel: {KernelHostname})");
            Line("role", Role is null ? "(no CMS)" : MasterAddress is null ? Role : $"{Role} (master {MasterAddress})");
        }

        if (FailedStep is not null)
        {
            Line("failed", $"{FailedStep}: {Error}");
        }

        if (Steps.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{"step",-12}{"ms",10}  result\n");
            foreach (var step in Steps)
            {
                text.Append(CultureInfo.InvariantCulture, $"{step.Step,-12}{step.Ms,10:0.0}  {(step.Ok ? "ok" : "FAILED")}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"{"total",-12}{TotalMs,10:0.0}\n");
        }

        return text.ToString();
    }

    private static List<StepReport> Convert(IReadOnlyList<StepTiming> steps)
        => [.. steps.Select(s => new StepReport(s.Step, Math.Round(s.Duration.TotalMilliseconds, 1), s.Succeeded))];
}
