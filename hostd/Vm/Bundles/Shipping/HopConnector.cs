namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>Opens an authenticated duplex stream to the receiving endpoint of <paramref name="host"/> (the cluster's mutual TLS).</summary>
public delegate Task<Stream> HopConnector(string host, CancellationToken cancellationToken);
