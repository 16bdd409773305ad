namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>The frames of the chunk protocol (README.md in this folder gives their payloads and bounds).</summary>
public enum FrameType : byte
{
    /// <summary>Source to receiver: a <see cref="TransferOffer"/> as UTF-8 JSON.</summary>
    Offer = 1,

    /// <summary>Receiver to source: a bitmap of the chunks it needs, bit i of byte i/8 (LSB first) for chunk i.</summary>
    Need = 2,

    /// <summary>Source to receiver: u32 chunk index, then the chunk's bytes.</summary>
    Chunk = 3,

    /// <summary>Receiver to source: u32 index of a chunk that failed its hash; send it again.</summary>
    Nack = 4,

    /// <summary>Receiver to source: u8 hop, u8 <see cref="HopState"/>, u64 bytes verified, then an optional UTF-8 message.</summary>
    Report = 5,

    /// <summary>Source to receiver: a <see cref="Multicast.MulticastOffer"/> as UTF-8 JSON (the transfer offer, the chunk key, the uftp session).</summary>
    MulticastOffer = 6,

    /// <summary>Receiver to source: empty; its uftpd listens, the source may start uftp.</summary>
    MulticastReady = 7,

    /// <summary>Source to receiver: the bitmap of the chunks uftp sent, in the same layout as <see cref="Need"/>; uftp has finished.</summary>
    MulticastSent = 8,
}
