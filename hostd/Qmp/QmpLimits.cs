namespace Jumpstart.Hostd.Qmp;

/// <summary>Bounds on what a QMP peer may send and how long hostd waits.</summary>
public static class QmpLimits
{
    /// <summary>Longest accepted line (one JSON message). hostd's commands answer in a few KiB.</summary>
    public const int MaxLineBytes = 1 << 20;

    /// <summary>Events buffered per subscriber before the oldest are dropped.</summary>
    public const int SubscriberCapacity = 1024;

    /// <summary>Default bound on a command's answer.</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default bound on connecting and reading the greeting.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);
}
