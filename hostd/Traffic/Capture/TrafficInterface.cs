namespace Jumpstart.Hostd.Traffic.Capture;

/// <summary>An interface hostd captures besides VM taps, and the tags its flows get.</summary>
public sealed class TrafficInterface
{
    public string Name { get; set; } = "";

    public string? Vm { get; set; }

    public string? InstanceId { get; set; }

    public string? Deployment { get; set; }
}
