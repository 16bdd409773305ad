namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>One run of bytes with the same <c>base:allocation</c> status.</summary>
public readonly record struct NbdExtent(long Length, NbdExtentFlags Flags);
