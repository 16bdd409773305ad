namespace Jumpstart.Shared.Cms;

/// <summary>Phases an instance reports, as strings on the wire.</summary>
public static class InstancePhase
{
    /// <summary>Expected but not yet registered.</summary>
    public const string Waiting = "waiting";
    public const string Registered = "registered";
    public const string Configured = "configured";
    public const string Ready = "ready";
    public const string Failed = "failed";
}
