namespace Jumpstart.Shared.Nbd.Protocol;

/// <summary>The protocol's magic numbers (all big-endian on the wire).</summary>
/// <remarks>NBD protocol, NetworkBlockDevice/nbd <c>doc/proto.md</c>: "Newstyle negotiation", "Option haggling",
/// "Transmission phase" (request and reply messages).</remarks>
public static class NbdMagic
{
    /// <summary>"NBDMAGIC": the server's first eight bytes.</summary>
    public const ulong InitPassword = 0x4e42444d41474943;

    /// <summary>"IHAVEOPT": newstyle negotiation, sent by the server after the password and by the client before each option.</summary>
    public const ulong IHaveOpt = 0x49484156454F5054;

    /// <summary>What an oldstyle server sends after the password (this project speaks newstyle only).</summary>
    public const ulong Oldstyle = 0x00420281861253;

    /// <summary>Magic of every option reply.</summary>
    public const ulong OptionReply = 0x0003e889045565a9;

    /// <summary>Magic of a compact transmission request.</summary>
    public const uint Request = 0x25609513;

    /// <summary>Magic of an extended-header request (NBD_OPT_EXTENDED_HEADERS; not supported here).</summary>
    public const uint ExtendedRequest = 0x21e41c71;

    /// <summary>Magic of a simple reply.</summary>
    public const uint SimpleReply = 0x67446698;

    /// <summary>Magic of a structured reply chunk.</summary>
    public const uint StructuredReply = 0x668e33ef;
}
