namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>Progress of one receiving host: bytes verified of the total, the rate since its transfer began, and the time left at that rate.</summary>
public sealed record ShipProgress(string Host, HopState State, long Bytes, long TotalBytes, double BytesPerSecond, TimeSpan? Eta, string? Message = null);
