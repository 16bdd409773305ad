using System.Text.Json;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>
/// The server against real NBD clients (libnbd's nbdinfo/nbdcopy, QEMU's qemu-img/qemu-io) over a unix socket and
/// TCP on loopback, serving <see cref="TestImage"/>.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class NbdClientConformanceTests
{
    [ToolTheory("nbdinfo")]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task Nbdinfo_SeesSizeReadOnlyMultiConnAndBlockSizes(string transport)
    {
        await using var server = NbdTestServer.Start();
        var result = await Requirements.RunToolAsync("nbdinfo", ["--json", server.Uri(transport)]);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var export = json.RootElement.GetProperty("exports")[0];
        Assert.Equal(TestImage.Size, export.GetProperty("export-size").GetInt64());
        Assert.True(export.GetProperty("is_read_only").GetBoolean());
        Assert.True(export.GetProperty("can_multi_conn").GetBoolean());
        Assert.True(export.GetProperty("can_flush").GetBoolean());
        Assert.True(export.GetProperty("can_cache").GetBoolean());
        Assert.False(export.GetProperty("can_trim").GetBoolean());
        Assert.Equal(4096, export.GetProperty("block_size_preferred").GetInt32());
        Assert.Equal(32 * 1024 * 1024, export.GetProperty("block_size_maximum").GetInt32());
        Assert.Contains("base:allocation", export.GetProperty("contexts").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("newstyle-fixed", json.RootElement.GetProperty("protocol").GetString());
    }

    [ToolFact("nbdinfo")]
    public async Task NbdinfoList_ListsEveryExportAndTheEmptyNameSelectsTheDefault()
    {
        await using var server = NbdTestServer.Start();
        var second = server.Directory + "/second.raw";
        await File.WriteAllBytesAsync(second, new byte[8192]);
        using var secondExport = FileExport.Open(second, readOnly: true, description: "second image");
        server.Exports.Add("second", secondExport);

        var list = await Requirements.RunToolAsync("nbdinfo", ["--list", "--json", $"nbd+unix:///?socket={server.SocketPath}"]);
        using var json = JsonDocument.Parse(list.StandardOutput);
        var exports = json.RootElement.GetProperty("exports").EnumerateArray()
            .ToDictionary(e => e.GetProperty("export-name").GetString()!, e => e.GetProperty("export-size").GetInt64());
        Assert.Equal(TestImage.Size, exports[NbdTestServer.ExportName]);
        Assert.Equal(8192, exports["second"]);

        var byDefault = await Requirements.RunToolAsync("nbdinfo", ["--size", $"nbd+unix:///?socket={server.SocketPath}"]);
        Assert.Equal(TestImage.Size, long.Parse(byDefault.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [ToolTheory("nbdinfo", "qemu-img")]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task NbdinfoMap_MatchesTheFilesRealDataAndHoleLayout(string transport)
    {
        await using var server = NbdTestServer.Start();
        var map = await Requirements.RunToolAsync("nbdinfo", ["--map", "--json", server.Uri(transport)]);
        using var json = JsonDocument.Parse(map.StandardOutput);
        var served = Merge(json.RootElement.EnumerateArray().Select(e =>
            (e.GetProperty("offset").GetInt64(), e.GetProperty("length").GetInt64(), IsData: (e.GetProperty("type").GetInt32() & 1) == 0)));

        Assert.Equal(await LocalLayoutAsync(server.ImagePath), served);
        Assert.Equal(TestImage.DataRegions.Select(r => (r.Start, r.Length, true)), served.Where(r => r.IsData));
    }

    [ToolTheory("nbdcopy")]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task Nbdcopy_CopiesTheImageByteForByte(string transport)
    {
        await using var server = NbdTestServer.Start();
        var copy = server.Directory + "/copy.raw";
        await Requirements.RunToolAsync("nbdcopy", [server.Uri(transport), copy]);
        Assert.Equal(await File.ReadAllBytesAsync(server.ImagePath), await File.ReadAllBytesAsync(copy));
    }

    [ToolTheory("qemu-img")]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task QemuImg_InfoCompareConvertAndMapWorkOverNbd(string transport)
    {
        await using var server = NbdTestServer.Start();
        var uri = server.Uri(transport);

        var info = await Requirements.RunToolAsync("qemu-img", ["info", "--output=json", uri]);
        using (var json = JsonDocument.Parse(info.StandardOutput))
        {
            Assert.Equal(TestImage.Size, json.RootElement.GetProperty("virtual-size").GetInt64());
        }

        var compare = await Requirements.RunToolAsync("qemu-img", ["compare", "-f", "raw", "-F", "raw", server.ImagePath, uri]);
        Assert.Contains("Images are identical", compare.StandardOutput, StringComparison.Ordinal);

        var converted = server.Directory + "/converted.raw";
        await Requirements.RunToolAsync("qemu-img", ["convert", "-f", "raw", "-O", "raw", uri, converted]);
        Assert.Equal(await File.ReadAllBytesAsync(server.ImagePath), await File.ReadAllBytesAsync(converted));

        var map = await Requirements.RunToolAsync("qemu-img", ["map", "--output=json", "-f", "raw", uri]);
        Assert.Equal(await LocalLayoutAsync(server.ImagePath), ParseQemuMap(map.StandardOutput));
    }

    [ToolTheory("qemu-io")]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task QemuIo_PatternReadsIncludingUnalignedOnesSeeTheRightBytes(string transport)
    {
        await using var server = NbdTestServer.Start();
        var pattern = $"0x{TestImage.PatternByte:x2}";
        var start = TestImage.PatternStart;
        string[] reads =
        [
            $"read -P {pattern} {start} 4096",
            $"read -P {pattern} {start + 1} 1",
            $"read -P {pattern} {start + 4095} 513",
            $"read -P {pattern} {start + TestImage.PatternLength - 513} 513",
            $"read -P 0 {(2 * TestImage.MiB) + 3} 513",
            $"read -P 0 {(14 * TestImage.MiB) + 4097} 1",
        ];
        var result = await Requirements.RunToolAsync("qemu-io", ["-r", "-f", "raw", .. reads.SelectMany(r => new[] { "-c", r }), server.Uri(transport)]);
        Assert.DoesNotContain("verification failed", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(reads.Length, result.StandardOutput.Split('\n').Count(l => l.StartsWith("read ", StringComparison.Ordinal)));

        // The check can fail: the same tool flags a wrong pattern at an odd offset.
        var wrong = await ProcessRunner.RunAsync(Requirements.RequireTool("qemu-io"), ["-r", "-f", "raw", "-c", $"read -P 0x00 {start + 1} 1", server.Uri(transport)], new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(1) });
        Assert.Contains("Pattern verification failed", wrong.StandardOutput, StringComparison.Ordinal);
    }

    [ToolTheory("qemu-io")]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task QemuIo_WritesOnAWritableExportReachTheFileAndReadBack(string transport)
    {
        await using var server = NbdTestServer.Start(writable: true);
        const long Offset = (3 * TestImage.MiB) + 11;
        await Requirements.RunToolAsync("qemu-io", ["-f", "raw", "-c", $"write -P 0x3c {Offset} 513", "-c", "flush", server.Uri(transport)]);
        var readBack = await Requirements.RunToolAsync("qemu-io", ["-r", "-f", "raw", "-c", $"read -P 0x3c {Offset} 513", "-c", $"read -P 0 {Offset + 513} 1", server.Uri(transport)]);
        Assert.DoesNotContain("verification failed", readBack.StandardOutput, StringComparison.Ordinal);

        await using var file = File.OpenRead(server.ImagePath);
        var bytes = new byte[515];
        file.Position = Offset - 1;
        await file.ReadExactlyAsync(bytes);
        Assert.Equal(0, bytes[0]);
        Assert.All(bytes[1..514], b => Assert.Equal(0x3c, b));
        Assert.Equal(0, bytes[514]);
    }

    /// <summary>The file's data/hole layout as qemu-img sees it locally (its own SEEK_DATA walk), merged.</summary>
    private static async Task<List<(long Offset, long Length, bool IsData)>> LocalLayoutAsync(string image)
        => ParseQemuMap((await Requirements.RunToolAsync("qemu-img", ["map", "--output=json", "-f", "raw", image])).StandardOutput);

    private static List<(long Offset, long Length, bool IsData)> ParseQemuMap(string text)
    {
        using var json = JsonDocument.Parse(text);
        return Merge(json.RootElement.EnumerateArray().Select(e =>
            (e.GetProperty("start").GetInt64(), e.GetProperty("length").GetInt64(), e.GetProperty("data").GetBoolean())));
    }

    /// <summary>Joins neighbouring extents of the same kind: clients split ranges differently.</summary>
    private static List<(long Offset, long Length, bool IsData)> Merge(IEnumerable<(long Offset, long Length, bool IsData)> extents)
    {
        var merged = new List<(long Offset, long Length, bool IsData)>();
        foreach (var extent in extents.OrderBy(e => e.Offset))
        {
            if (merged.Count > 0 && merged[^1].IsData == extent.IsData && merged[^1].Offset + merged[^1].Length == extent.Offset)
            {
                merged[^1] = (merged[^1].Offset, merged[^1].Length + extent.Length, extent.IsData);
            }
            else
            {
                merged.Add(extent);
            }
        }

        return merged;
    }
}
