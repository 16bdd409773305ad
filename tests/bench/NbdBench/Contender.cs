namespace Jumpstart.Bench.Nbd;

/// <summary>One server kind serving the image, reachable on a unix socket and on loopback TCP.</summary>
internal sealed record Contender(string Name, string UnixUri, string TcpUri);
