using Jumpstart.Hostd.Images;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Nbd.Client;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Images;

/// <summary>Recording a boot working set in front of a real file export; reading and refusing access logs.</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class AccessRecordingExportTests
{
    private const int Extent = 1024 * 1024;

    [Fact]
    public async Task Reads_AreRecordedOncePerExtent_InFirstAccessOrder_AndServedUnchanged()
    {
        using var dir = new TempDirectory("access");
        var content = TestImages.CreateSparse(dir.Combine("image.raw"), 8L * TestImages.MiB);
        using var file = FileExport.Open(dir.Combine("image.raw"), readOnly: true);
        var log = dir.Combine("boot.log");
        using (var recorder = new AccessLogRecorder(log, Extent))
        {
            var export = new AccessRecordingExport(file, recorder);
            foreach (var (offset, length) in new (long, int)[] { (5L * Extent + 3, 10), (Extent - 1, 2), (5L * Extent, 4096), (7L * Extent, 100) })
            {
                await NbdClientTests.ReadAndCompareAsync(export, content, offset, length);
            }

            Assert.Equal(4, recorder.Count);
        }

        var (extentSize, extents) = await AccessLogRecorder.ReadAsync(log, CancellationToken.None);
        Assert.Equal(Extent, extentSize);
        Assert.Equal([5L, 0, 1, 7], extents);
    }

    [Fact]
    public async Task AFileThatIsNotAnAccessLog_IsRefusedWithTheLineNumber()
    {
        using var dir = new TempDirectory("access");
        await File.WriteAllTextAsync(dir.Combine("a.log"), "hello\n");
        await Assert.ThrowsAsync<InvalidDataException>(() => AccessLogRecorder.ReadAsync(dir.Combine("a.log"), CancellationToken.None));
        await File.WriteAllTextAsync(dir.Combine("b.log"), AccessLogRecorder.HeaderPrefix + "1048576\n3\nx7\n");
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => AccessLogRecorder.ReadAsync(dir.Combine("b.log"), CancellationToken.None));
        Assert.Contains("b.log:3", ex.Message, StringComparison.Ordinal);
    }
}
