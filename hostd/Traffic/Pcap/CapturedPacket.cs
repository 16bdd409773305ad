namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>
/// One record's header: when it was seen, how many bytes were kept (<see cref="CapturedLength"/>,
/// at most the snapshot length) and how long it was on the wire (<see cref="WireLength"/>).
/// </summary>
/// <param name="TimestampNanoseconds">Nanoseconds since the Unix epoch.</param>
/// <param name="CapturedLength">Bytes kept in the capture.</param>
/// <param name="WireLength">Bytes the packet had on the wire.</param>
public readonly record struct CapturedPacket(long TimestampNanoseconds, int CapturedLength, int WireLength);
