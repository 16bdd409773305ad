namespace Jumpstart.Shared.Iso9660;

/// <summary>Byte offsets and codes of ECMA-119 (ISO 9660) structures, by spec section.</summary>
internal static class IsoLayout
{
    /// <summary>Logical sector and logical block size (ECMA-119 6.1.2, 6.2.2); the only size we read or write.</summary>
    public const int SectorSize = 2048;

    /// <summary>Sectors 0-15 are the System Area (ECMA-119 6.2.1); the descriptor set starts at 16.</summary>
    public const int FirstDescriptorSector = 16;

    /// <summary>Standard Identifier of every volume descriptor (ECMA-119 8.1.2).</summary>
    public static ReadOnlySpan<byte> StandardIdentifier => "CD001"u8;

    /// <summary>Volume descriptor types (ECMA-119 8.1.1).</summary>
    public const byte PrimaryDescriptorType = 1;
    public const byte SupplementaryDescriptorType = 2;
    public const byte TerminatorDescriptorType = 255;

    /// <summary>Joliet escape sequences for UCS-2 levels 1, 2 and 3 (Joliet specification 4.2).</summary>
    public static ReadOnlySpan<byte> JolietLevel1 => "%/@"u8;
    public static ReadOnlySpan<byte> JolietLevel2 => "%/C"u8;
    public static ReadOnlySpan<byte> JolietLevel3 => "%/E"u8;

    /// <summary>Primary / Supplementary Volume Descriptor fields (ECMA-119 8.4 and 8.5).</summary>
    public static class Descriptor
    {
        public const int Type = 0;
        public const int Identifier = 1;
        public const int Version = 6;
        public const int SystemIdentifier = 8;
        public const int SystemIdentifierLength = 32;
        public const int VolumeIdentifier = 40;
        public const int VolumeIdentifierLength = 32;
        public const int VolumeSpaceSize = 80;
        public const int EscapeSequences = 88;
        public const int VolumeSetSize = 120;
        public const int VolumeSequenceNumber = 124;
        public const int LogicalBlockSize = 128;
        public const int PathTableSize = 132;
        public const int TypeLPathTable = 140;
        public const int TypeMPathTable = 148;
        public const int RootDirectoryRecord = 156;
        public const int VolumeSetIdentifier = 190;
        public const int PublisherIdentifier = 318;
        public const int DataPreparerIdentifier = 446;
        public const int ApplicationIdentifier = 574;
        public const int LongIdentifierLength = 128;
        public const int CopyrightFileIdentifier = 702;
        public const int FileIdentifierLength = 37;
        public const int CreationDate = 813;
        public const int ModificationDate = 830;
        public const int ExpirationDate = 847;
        public const int EffectiveDate = 864;
        public const int FileStructureVersion = 881;
        public const int ApplicationUseEnd = 1395;
    }

    /// <summary>Directory Record fields (ECMA-119 9.1).</summary>
    public static class Record
    {
        public const int Length = 0;
        public const int ExtendedAttributeLength = 1;
        public const int ExtentLocation = 2;
        public const int DataLength = 10;
        public const int RecordingDate = 18;
        public const int Flags = 25;
        public const int FileUnitSize = 26;
        public const int InterleaveGap = 27;
        public const int VolumeSequenceNumber = 28;
        public const int IdentifierLength = 32;
        public const int Identifier = 33;

        /// <summary>A record's fixed part; the identifier (at least one byte) follows.</summary>
        public const int FixedLength = 33;

        /// <summary>LEN_DR is one byte (ECMA-119 9.1.1).</summary>
        public const int MaxLength = 255;

        /// <summary>The "." and ".." records and the root record in a descriptor: a one-byte identifier.</summary>
        public const int SelfRecordLength = 34;

        /// <summary>File Flags bits (ECMA-119 9.1.6).</summary>
        public const byte FlagHidden = 0x01;
        public const byte FlagDirectory = 0x02;
        public const byte FlagMultiExtent = 0x80;

        /// <summary>Identifiers of the "." and ".." records (ECMA-119 6.8.2.2).</summary>
        public const byte SelfIdentifier = 0x00;
        public const byte ParentIdentifier = 0x01;
    }

    /// <summary>Path Table Record fields (ECMA-119 9.4).</summary>
    public static class PathTable
    {
        public const int IdentifierLength = 0;
        public const int ExtendedAttributeLength = 1;
        public const int ExtentLocation = 2;
        public const int ParentNumber = 6;
        public const int Identifier = 8;
    }

    /// <summary>Length of a 7-byte recording date (ECMA-119 9.1.5) and a 17-byte volume date (8.4.26.1).</summary>
    public const int RecordingDateLength = 7;
    public const int VolumeDateLength = 17;
}
