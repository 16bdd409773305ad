namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>One host's read load on the real image server (requests per second over a recent window).</summary>
public sealed record HostLoad(string Host, double RequestsPerSecond);
