namespace Jumpstart.Tests.Clones;

/// <summary>One frame of a <see cref="BridgeCapture"/>: lower-case source and destination MACs and tcpdump's line.</summary>
public sealed record CapturedFrame(string Source, string Destination, string Line);
