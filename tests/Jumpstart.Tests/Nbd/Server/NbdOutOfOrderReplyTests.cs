using System.Globalization;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Support;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>
/// Replies out of request order against a real client (libnbd's Python binding): proto.md "Transmission" lets the
/// server answer requests in any order, matched by cookie. A read the export must wait for (held by the test) does
/// not hold up the read sent after it, answered from the reader thread, with simple and with structured replies.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class NbdOutOfOrderReplyTests
{
    private const string Python = "/usr/bin/python3";
    private const int Length = 4096;

    [ToolTheory(Python, "nbdsh")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AHeldRead_DoesNotHoldUpTheReadSentAfterIt_AndLibnbdMatchesTheRepliesByCookie(bool structured)
    {
        using var directory = new TempDirectory("nbd-out-of-order");
        var image = directory.Combine("base.raw");
        TestImage.Create(image);
        using var file = FileExport.Open(image, readOnly: true);
        var slowOffset = TestImage.PatternStart;
        var fastOffset = TestImage.PatternStart + Length;
        var export = new HeldExport(file, slowOffset);
        var exports = new NbdExportSet();
        exports.Add(NbdTestServer.ExportName, export);
        var socket = directory.Combine("nbd.sock");
        await using var server = NbdServer.ListenUnix(socket, exports);
        var signal = directory.Combine("fast-done");
        var script = Path.Combine(AppContext.BaseDirectory, "Nbd", "Scripts", "out_of_order.py");
        string[] arguments =
        [
            script, socket, NbdTestServer.ExportName, Number(slowOffset), Number(fastOffset), Number(Length),
            Number(TestImage.PatternByte), structured ? "1" : "0", signal,
        ];
        var client = Requirements.RunToolAsync(Python, arguments);

        // The client saw the second reply while the first read was still held by the export.
        await Poll.UntilAsync(() => File.Exists(signal) || client.IsCompleted, TimeSpan.FromMinutes(1), "the second read's reply");
        Assert.False(export.Released, "the held read was released before the client saw the second reply");
        export.Release();
        var result = await client;
        Assert.Equal(["PASS second-reply-first", "PASS first-reply-after", "PASS data"], result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(0, exports.StatisticsOf(NbdTestServer.ExportName)!.Errors);
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A file export whose reads at <paramref name="heldOffset"/> wait until the test releases them (and can
    /// never be answered at once); every other read is the file's.</summary>
    private sealed class HeldExport(FileExport inner, long heldOffset) : ForwardingExport(inner)
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Released => _release.Task.IsCompleted;

        public void Release() => _release.TrySetResult();

        public override bool TryRead(long offset, Span<byte> destination) => offset != heldOffset && base.TryRead(offset, destination);

        public override SafeFileHandle? FileFor(long offset, long length) => offset != heldOffset ? base.FileFor(offset, length) : null;

        public override async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            if (offset == heldOffset)
            {
                await _release.Task.WaitAsync(cancellationToken);
            }

            await base.ReadAsync(offset, destination, cancellationToken);
        }
    }
}
