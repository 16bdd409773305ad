using System.Buffers;
using System.Text;
using Jumpstart.Shared.JsonRpc.Framing;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.JsonRpc;

[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
public sealed class FrameParserTests
{
    private const int MaxHeader = 1024;
    private const int MaxBody = 4096;
    private const string Body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"Add\",\"params\":[1,2]}";

    private static readonly byte[] s_frame = RawPeer.Frame(Body);

    public static TheoryData<int> SplitPoints()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i <= s_frame.Length; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SplitPoints))]
    public void TryParse_FrameSplitInTwoSegmentsAtAnyPoint_YieldsTheWholeBody(int split)
    {
        var buffer = Segments.Of(s_frame[..split], s_frame[split..]);

        Assert.True(HeaderDelimitedFrameParser.TryParse(buffer, MaxHeader, MaxBody, out var body, out var consumed));
        Assert.Equal(Body, Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal(buffer.End, consumed);
    }

    [Fact]
    public void TryParse_FrameOneByteASegment_YieldsTheWholeBody()
    {
        var buffer = Segments.Of([.. s_frame.Select(b => new[] { b })]);

        Assert.True(HeaderDelimitedFrameParser.TryParse(buffer, MaxHeader, MaxBody, out var body, out _));
        Assert.Equal(Body, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Theory]
    [MemberData(nameof(SplitPoints))]
    public void TryParse_EveryTruncation_IsIncompleteAndConsumesNothing(int length)
    {
        if (length == s_frame.Length)
        {
            return;
        }

        var buffer = Segments.Of(s_frame[..(length / 2)], s_frame[(length / 2)..length]);

        Assert.False(HeaderDelimitedFrameParser.TryParse(buffer, MaxHeader, MaxBody, out _, out var consumed));
        Assert.Equal(buffer.Start, consumed);
    }

    [Fact]
    public void TryParse_TwoFramesInOneBuffer_TakesTheFirstOnly()
    {
        var second = RawPeer.Frame("[]");
        var buffer = new ReadOnlySequence<byte>([.. s_frame, .. second]);

        Assert.True(HeaderDelimitedFrameParser.TryParse(buffer, MaxHeader, MaxBody, out var body, out var consumed));
        Assert.Equal(Body, Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal(second.Length, buffer.Slice(consumed).Length);
    }

    [Fact]
    public void TryParse_ContentLengthOverTheLimit_ThrowsBeforeTheBodyArrives()
    {
        var header = Encoding.ASCII.GetBytes($"Content-Length: {MaxBody + 1}\r\n\r\n");

        var error = Assert.Throws<JsonRpcFramingException>(() => HeaderDelimitedFrameParser.TryParse(new ReadOnlySequence<byte>(header), MaxHeader, MaxBody, out _, out _));
        Assert.Contains("exceeds", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Content-Length: 99999999999999999999999999")]
    [InlineData("Content-Length: 2147483648")]
    public void TryParse_HugeContentLength_Throws(string line)
    {
        var header = Encoding.ASCII.GetBytes(line + "\r\n\r\n");

        Assert.Throws<JsonRpcFramingException>(() => HeaderDelimitedFrameParser.TryParse(new ReadOnlySequence<byte>(header), MaxHeader, MaxBody, out _, out _));
    }

    [Fact]
    public void TryParse_HeaderWithoutTerminatorBeyondTheLimit_Throws()
    {
        var header = Encoding.ASCII.GetBytes("X-Padding: " + new string('a', MaxHeader));

        Assert.Throws<JsonRpcFramingException>(() => HeaderDelimitedFrameParser.TryParse(new ReadOnlySequence<byte>(header), MaxHeader, MaxBody, out _, out _));
    }

    [Fact]
    public void TryParse_HeaderJustUnderTheLimitWithoutTerminator_IsIncomplete()
    {
        var header = Encoding.ASCII.GetBytes("X-Padding: " + new string('a', MaxHeader - 20));

        Assert.False(HeaderDelimitedFrameParser.TryParse(new ReadOnlySequence<byte>(header), MaxHeader, MaxBody, out _, out _));
    }

    [Theory]
    [InlineData("Content-Length: -1")]
    [InlineData("Content-Length: +5")]
    [InlineData("Content-Length: abc")]
    [InlineData("Content-Length: ")]
    [InlineData("Content-Length: 5x")]
    [InlineData("Content-Type: application/vscode-jsonrpc; charset=utf-8")]
    [InlineData("no colon here")]
    [InlineData(": 5")]
    [InlineData("Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-16")]
    public void TryParse_MalformedHeader_Throws(string headerLines)
    {
        var frame = Encoding.ASCII.GetBytes(headerLines + "\r\n\r\n{}");

        Assert.Throws<JsonRpcFramingException>(() => HeaderDelimitedFrameParser.TryParse(new ReadOnlySequence<byte>(frame), MaxHeader, MaxBody, out _, out _));
    }

    [Theory]
    [InlineData("content-length: 2")]
    [InlineData("CONTENT-LENGTH:2")]
    [InlineData("Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8")]
    [InlineData("Content-Type: application/vscode-jsonrpc; charset=utf8\r\nContent-Length: 2")]
    [InlineData("X-Other: whatever\r\nContent-Length: 2")]
    public void TryParse_HeaderVariantsPeersSend_AreAccepted(string headerLines)
    {
        var frame = Encoding.ASCII.GetBytes(headerLines + "\r\n\r\n{}");

        Assert.True(HeaderDelimitedFrameParser.TryParse(new ReadOnlySequence<byte>(frame), MaxHeader, MaxBody, out var body, out _));
        Assert.Equal("{}", Encoding.UTF8.GetString(body.ToArray()));
    }

    /// <summary>Builds multi-segment sequences, as a pipe hands them out.</summary>
    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Of(params byte[][] parts)
        {
            var first = new Segments(parts[0], 0);
            var last = first;
            foreach (var part in parts.Skip(1))
            {
                var next = new Segments(part, last.RunningIndex + last.Memory.Length);
                last.Next = next;
                last = next;
            }

            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}
