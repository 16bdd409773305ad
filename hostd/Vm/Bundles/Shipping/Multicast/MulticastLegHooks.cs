namespace Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;

/// <summary>How a <see cref="ChunkLeg"/> of a multicast differs: its own offer, no chunks queued from the need (they come by uftp), and a ready frame.</summary>
/// <param name="SendOfferAsync">Sends the MulticastOffer frame instead of the Offer.</param>
/// <param name="OnNeed">The receiver's need bitmap (all zero: it holds the bundle and takes no part).</param>
/// <param name="OnReady">The receiver's uftpd listens; the source sends MulticastSent on this channel once uftp finished.</param>
internal sealed record MulticastLegHooks(Func<ChunkChannel, CancellationToken, Task> SendOfferAsync, Action<byte[]> OnNeed, Action<ChunkChannel> OnReady);
