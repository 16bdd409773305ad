namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// A configuration step failed. <see cref="Step"/> names it (network, hostname, self, register, ...);
/// <see cref="Steps"/> holds the timings of every step that ran before, for the report.
/// </summary>
public class GuestConfigException : Exception
{
    public GuestConfigException(string step, string message, Exception? inner = null)
        : base(message, inner)
    {
        Step = step;
    }

    /// <summary>The step that failed.</summary>
    public string Step { get; }

    /// <summary>Timings of the steps that ran, including the failed one (filled in by the engine).</summary>
    public IReadOnlyList<StepTiming> Steps { get; internal set; } = [];
}
