using System.Text.Json;
using Jumpstart.Hostd.Qmp;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

/// <summary>The QMP client against scripted peers: malformed greetings, over-long lines, silence.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class QmpProtocolTests
{
    private static string OkFor(string request)
        => $$"""{"return": {}, "id": {{JsonDocument.Parse(request).RootElement.GetProperty("id").GetInt64()}}}""";

    [Fact]
    public async Task APeerThatIsNotQmp_IsRefusedWithAProtocolError()
    {
        using var directory = new TempDirectory("qmp");
        await using var peer = new FakeQmpPeer(directory.Combine("q.sock"), OkFor, greeting: "SSH-2.0-OpenSSH\n");

        var error = await Assert.ThrowsAsync<QmpProtocolException>(() => QmpClient.ConnectAsync(peer.Path));
        Assert.Contains("greeting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOverlongLine_IsAProtocolError_NotAnAllocation()
    {
        using var directory = new TempDirectory("qmp");
        var huge = new string('x', QmpLimits.MaxLineBytes + 1);
        await using var peer = new FakeQmpPeer(directory.Combine("q.sock"), OkFor, greeting: huge);

        await Assert.ThrowsAsync<QmpProtocolException>(() => QmpClient.ConnectAsync(peer.Path));
    }

    [Fact]
    public void AnEndlessLine_IsRefused_AfterReadingAndAllocatingAboutTheLimit()
    {
        // The peer would send far more than the limit; the reader must stop at the limit, having
        // allocated its growing buffer (at most twice its final size) and little else.
        const long ReadChunk = 64 * 1024;
        const long Slack = 64 * 1024;
        var stream = new EndlessStream((byte)'x');
        var reader = new QmpLineReader(stream);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var pending = reader.ReadLineAsync(CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // It completed on this thread (the stream never waits), so the thread's count saw all of it.
        Assert.True(pending.IsCompleted);
        var error = Assert.Throws<QmpProtocolException>(() => pending.GetAwaiter().GetResult());
        Assert.Contains(QmpLimits.MaxLineBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.InRange(stream.BytesRead, QmpLimits.MaxLineBytes, QmpLimits.MaxLineBytes + ReadChunk);
        Assert.InRange(allocated, 0, (2 * (QmpLimits.MaxLineBytes + ReadChunk)) + Slack);
    }

    [Fact]
    public async Task ACommandWithoutAnswer_TimesOut_AndLaterCommandsStillWork()
    {
        using var directory = new TempDirectory("qmp");
        await using var peer = new FakeQmpPeer(directory.Combine("q.sock"), line => line.Contains("\"stop\"", StringComparison.Ordinal) ? null : OkFor(line));
        await using var client = await QmpClient.ConnectAsync(peer.Path);

        var error = await Assert.ThrowsAsync<QmpTimeoutException>(() => client.ExecuteAsync("stop", timeout: TimeSpan.FromMilliseconds(150)));
        Assert.Contains("stop", error.Message, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Object, (await client.ExecuteAsync("cont")).ValueKind);
    }

    [Fact]
    public async Task AnErrorAnswer_BecomesTheTypedException_ForItsClass()
    {
        using var directory = new TempDirectory("qmp");
        await using var peer = new FakeQmpPeer(directory.Combine("q.sock"), line => line.Contains("qmp_capabilities", StringComparison.Ordinal)
            ? OkFor(line)
            : $$"""{"error": {"class": "DeviceNotFound", "desc": "Device 'x' not found"}, "id": {{JsonDocument.Parse(line).RootElement.GetProperty("id").GetInt64()}}}""");
        await using var client = await QmpClient.ConnectAsync(peer.Path);

        var error = await Assert.ThrowsAsync<QmpDeviceNotFoundException>(() => client.EjectAsync("x", force: false));
        Assert.Equal("eject", error.Command);
        Assert.Equal("Device 'x' not found", error.Description);
    }

    [Fact]
    public async Task APeerThatNeverGreets_TimesOutOnConnect()
    {
        using var directory = new TempDirectory("qmp");
        await using var peer = new FakeQmpPeer(directory.Combine("q.sock"), OkFor, greeting: string.Empty);

        await Assert.ThrowsAsync<QmpTimeoutException>(() => QmpClient.ConnectAsync(peer.Path, timeout: TimeSpan.FromMilliseconds(200)));
    }

    /// <summary>A peer that never stops sending one byte and never sends a newline; reads complete at once.</summary>
    private sealed class EndlessStream(byte fill) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            buffer.Fill(fill);
            BytesRead += buffer.Length;
            return buffer.Length;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
