namespace Jumpstart.Shared.HostApi;

/// <summary>What hostd's traffic capture is doing and which classifier model labels its flows.</summary>
public sealed record TrafficStatus
{
    /// <summary>False when section <c>Traffic</c> has <c>Enabled: false</c> (then nothing is captured or labelled).</summary>
    public required bool Enabled { get; init; }

    /// <summary>The SQLite database finished flows go to.</summary>
    public string? Database { get; init; }

    /// <summary>The interfaces being captured now (configured ones and clone taps).</summary>
    public required IReadOnlyList<string> Interfaces { get; init; }

    /// <summary>The active model file, or null when flows are stored unlabelled.</summary>
    public string? Model { get; init; }

    /// <summary>The active model's applications.</summary>
    public required IReadOnlyList<string> Classes { get; init; }

    /// <summary>Flows labelled since hostd started, <c>unknown</c> answers included.</summary>
    public required long Labelled { get; init; }

    /// <summary>Flows answered <c>unknown</c> (too few trees agreed).</summary>
    public required long Unknown { get; init; }
}
