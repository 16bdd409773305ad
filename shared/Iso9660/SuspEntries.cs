namespace Jumpstart.Shared.Iso9660;

/// <summary>
/// System Use Sharing Protocol (IEEE P1281, SUSP 1.12) and Rock Ridge Interchange Protocol
/// (IEEE P1282, RRIP 1.12) entry signatures and layouts.
/// </summary>
internal static class SuspEntries
{
    /// <summary>Every SUSP entry starts: signature (2), length (1), version (1) (SUSP 4.1).</summary>
    public const int HeaderLength = 4;
    public const int SignatureOffset = 0;
    public const int LengthOffset = 2;
    public const int VersionOffset = 3;
    public const byte EntryVersion = 1;

    /// <summary>SP: SUSP indicator, first entry of the root's "." record (SUSP 5.3).</summary>
    public const ushort Sp = ('S' << 8) | 'P';
    public const int SpLength = 7;
    public const byte SpCheck1 = 0xBE;
    public const byte SpCheck2 = 0xEF;
    public const int SpCheckOffset = 4;
    public const int SpSkipOffset = 6;

    /// <summary>CE: continuation area: block, offset, length, each both-endian 32 (SUSP 5.1).</summary>
    public const ushort Ce = ('C' << 8) | 'E';
    public const int CeLength = 28;
    public const int CeBlockOffset = 4;
    public const int CeOffsetOffset = 12;
    public const int CeSizeOffset = 20;

    /// <summary>ST: terminator of the system use area (SUSP 5.4).</summary>
    public const ushort St = ('S' << 8) | 'T';

    /// <summary>ER: extensions reference (SUSP 5.5).</summary>
    public const ushort Er = ('E' << 8) | 'R';
    public const int ErFixedLength = 8;

    /// <summary>PX: POSIX attributes: mode, links, uid, gid (RRIP 4.1.1); 36 bytes in RRIP_1991A, 44 with a serial number.</summary>
    public const ushort Px = ('P' << 8) | 'X';
    public const int PxLength = 36;
    public const int PxModeOffset = 4;
    public const int PxLinksOffset = 12;
    public const int PxUidOffset = 20;
    public const int PxGidOffset = 28;

    /// <summary>SL: symbolic link components (RRIP 4.1.3).</summary>
    public const ushort Sl = ('S' << 8) | 'L';
    public const byte SlContinue = 0x01;
    public const byte SlComponentCurrent = 0x02;
    public const byte SlComponentParent = 0x04;
    public const byte SlComponentRoot = 0x08;

    /// <summary>NM: alternate name (RRIP 4.1.4).</summary>
    public const ushort Nm = ('N' << 8) | 'M';
    public const byte NmContinue = 0x01;
    public const byte NmCurrent = 0x02;
    public const byte NmParent = 0x04;

    /// <summary>Flags byte of NM and SL, and where their payload starts.</summary>
    public const int FlagsOffset = 4;
    public const int PayloadOffset = 5;

    /// <summary>CL, PL, RE: directory relocation (RRIP 4.1.5).</summary>
    public const ushort Cl = ('C' << 8) | 'L';
    public const ushort Re = ('R' << 8) | 'E';
    public const int ClLocationOffset = 4;

    /// <summary>TF: time stamps (RRIP 4.1.6); we write modify, access and attribute-change times.</summary>
    public const ushort Tf = ('T' << 8) | 'F';
    public const byte TfModifyAccessAttributes = 0x02 | 0x04 | 0x08;

    /// <summary>POSIX file type bits carried in PX mode.</summary>
    public const int TypeMask = 0xF000;
    public const int TypeDirectory = 0x4000;
    public const int TypeRegular = 0x8000;
    public const int TypeSymlink = 0xA000;
    public const int PermissionMask = 0xFFF;

    /// <summary>The ER entry that announces RRIP 1991A (RRIP 5.5; identifier, descriptor and source texts as published).</summary>
    public const string RripIdentifier = "RRIP_1991A";
    public const string RripDescriptor = "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
    public const string RripSource = "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";
}
