namespace Jumpstart.Hostd.Traffic.Pcap;

/// <summary>Writes packets to a capture file.</summary>
public interface ICaptureFileWriter : IDisposable
{
    /// <summary>Appends one record: <paramref name="data"/> is what was captured (at most the snap length).</summary>
    void Write(CapturedPacket packet, ReadOnlySpan<byte> data);

    /// <summary>Pushes buffered records to the file.</summary>
    void Flush();
}
