using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Traffic;

[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class CaptureFileTests
{
    [Theory]
    [InlineData("pcap")]
    [InlineData("pcapng")]
    public void WrittenFile_ReadsBackThroughLibpcapWithNanosecondsAndWireLengths(string format)
    {
        using var dir = new TempDirectory("flows");
        var path = dir.Combine("t." + format);
        var frame = TestFrames.Tcp("10.0.0.1", 1, "10.0.0.2", 2, payload: 200);
        using (ICaptureFileWriter writer = format == "pcap" ? new PcapFileWriter(path, LinkTypes.Ethernet, snapLength: 96) : new PcapNgWriter(path, LinkTypes.Ethernet, snapLength: 96))
        {
            writer.Write(new CapturedPacket(1_700_000_000_123_456_789, frame.Length, frame.Length), frame);
            writer.Write(new CapturedPacket(1_700_000_001_000_000_001, 60, frame.Length), frame.AsSpan(0, 60));
        }

        using var source = PcapSource.OpenFile(path);
        Assert.Equal(LinkTypes.Ethernet, source.LinkType);
        Assert.Equal(PcapReadResult.Packet, source.TryRead(out var first, out var data));
        Assert.Equal(1_700_000_000_123_456_789, first.TimestampNanoseconds);
        Assert.Equal((96, frame.Length), (first.CapturedLength, first.WireLength));
        Assert.True(data.SequenceEqual(frame.AsSpan(0, 96)));
        Assert.Equal(PcapReadResult.Packet, source.TryRead(out var second, out _));
        Assert.Equal((60, frame.Length), (second.CapturedLength, second.WireLength));
        Assert.Equal(PcapReadResult.EndOfFile, source.TryRead(out _, out _));
    }

    [Fact]
    public void Extract_TruncatedPackets_CountWithTheirWireLength()
    {
        using var dir = new TempDirectory("flows");
        var path = dir.Combine("snap.pcap");
        var frame = TestFrames.Tcp("10.0.0.1", 1, "10.0.0.2", 2, payload: 1400);
        using (var writer = new PcapFileWriter(path, LinkTypes.Ethernet, snapLength: 64))
        {
            for (var i = 0; i < 3; i++)
            {
                writer.Write(new CapturedPacket(i * 1_000L, frame.Length, frame.Length), frame);
            }
        }

        var flows = new List<Flow>();
        FlowExtractor.ExtractFile(path, new FlowTableOptions(), flows.Add);
        var flow = Assert.Single(flows);
        Assert.Equal(3 * frame.Length, flow.Forward.Bytes);
        Assert.Equal(3 * 1440, flow.Forward.IpBytes);
    }

    [Fact]
    public void OpenFile_MissingOrNotACapture_FailsWithTypedErrors()
    {
        using var dir = new TempDirectory("flows");
        Assert.Throws<FileNotFoundException>(() => PcapSource.OpenFile(dir.Combine("absent.pcap")));
        var junk = dir.Combine("junk.pcap");
        File.WriteAllText(junk, "this is not a capture file at all");
        Assert.Throws<PcapFileException>(() => PcapSource.OpenFile(junk));
    }

    [Theory]
    [InlineData("pcap")]
    [InlineData("pcapng")]
    public void MutatedAndTruncatedCaptureFiles_NeverCrashOrHangTheReader(string format)
    {
        using var dir = new TempDirectory("flows");
        var good = dir.Combine("good." + format);
        using (ICaptureFileWriter writer = format == "pcap" ? new PcapFileWriter(good, LinkTypes.Ethernet) : new PcapNgWriter(good, LinkTypes.Ethernet))
        {
            for (var i = 0; i < 40; i++)
            {
                var frame = i % 2 == 0 ? TestFrames.Tcp("10.0.0.1", 1000 + i, "10.0.0.2", 80, payload: i * 7) : TestFrames.Udp("2001:db8::1", 53, "2001:db8::2", 999, payload: i);
                writer.Write(new CapturedPacket(i * 1_000_000L, frame.Length, frame.Length), frame);
            }
        }

        var original = File.ReadAllBytes(good);
        var random = new Random(11);
        var mutant = dir.Combine("mutant." + format);
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var round = 0; round < 300; round++)
        {
            var bytes = round % 3 == 0 ? original[..random.Next(original.Length)] : (byte[])original.Clone();
            for (var flips = random.Next(1, 8); round % 3 != 0 && flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            File.WriteAllBytes(mutant, bytes);
            try
            {
                FlowExtractor.ExtractFile(mutant, new FlowTableOptions(), _ => { });
            }
            catch (PcapException)
            {
                // A refused or corrupt file is a typed error, never a crash.
            }
        }

        Assert.True(started.Elapsed < TimeSpan.FromMinutes(1), "reading 300 small mutated files must not hang");
    }
}
