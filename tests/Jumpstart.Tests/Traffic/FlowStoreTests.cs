using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Traffic.Features;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Hostd.Traffic.Storage;
using Jumpstart.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Jumpstart.Tests.Traffic;

[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class FlowStoreTests
{
    [Fact]
    public void Add_BeyondMaxFlows_KeepsTheNewestAndLabelsStick()
    {
        using var dir = new TempDirectory("flows");
        using var store = FlowStore.Open(dir.Combine("f.db"), new FlowStoreOptions { MaxFlows = 5 });
        var ids = store.Add(Rows(12, DateTimeOffset.UtcNow));
        Assert.Equal(5, store.Count());
        Assert.True(store.SetLabel(ids[^1], "WWW", 0.8));
        Assert.False(store.SetLabel(ids[0], "WWW", 0.8));
        var rows = store.Query(new FlowQuery { Limit = 100 });
        Assert.Equal(ids.Skip(ids.Count - 5), rows.Select(r => r.Id));
        Assert.Equal(("WWW", 0.8), (rows[^1].Label, rows[^1].Confidence!.Value));
        Assert.Equal(4, store.Query(new FlowQuery { UnlabelledOnly = true }).Count);
        Assert.Equal(NimsFeatures.Names.Count, rows[0].Nims.Count);
        Assert.Equal("vm-1", rows[0].Vm);
    }

    [Fact]
    public void Add_FlowsOlderThanMaxAge_AreDeleted()
    {
        using var dir = new TempDirectory("flows");
        using var store = FlowStore.Open(dir.Combine("f.db"), new FlowStoreOptions { MaxAge = TimeSpan.FromDays(1) });
        store.Add(Rows(3, DateTimeOffset.UtcNow.AddDays(-3)));
        store.Add(Rows(2, DateTimeOffset.UtcNow));
        Assert.Equal(2, store.Count());
    }

    [Fact]
    public void Open_DatabaseFromBeforeSchemaVersions_BecomesVersionOneWithItsFlows()
    {
        using var dir = new TempDirectory("flows");
        var path = dir.Combine("f.db");
        using (var store = FlowStore.Open(path, new FlowStoreOptions()))
        {
            store.Add(Rows(3, DateTimeOffset.UtcNow));
        }

        // Flow databases written before the shared SQLite helper had no schema_version table.
        using (var old = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            old.Open();
            using var drop = old.CreateCommand();
            drop.CommandText = "DROP TABLE schema_version;";
            drop.ExecuteNonQuery();
        }

        using (var reopened = FlowStore.Open(path, new FlowStoreOptions()))
        {
            Assert.Equal(3, reopened.Count());
        }

        using var check = new SqliteConnection($"Data Source={path};Pooling=False");
        check.Open();
        using var version = check.CreateCommand();
        version.CommandText = "SELECT MAX(version) FROM schema_version;";
        Assert.Equal(1L, version.ExecuteScalar());
    }

    [Fact]
    public async Task Cli_ExtractToDbThenTopAndExport_ShowTheFlowsWithNimsColumns()
    {
        using var dir = new TempDirectory("flows");
        var pcap = WriteCapture(dir);
        var db = dir.Combine("flows.db");
        var (code, output, _) = await RunAsync("flows", "extract", pcap, "--db", db, "--csv");
        Assert.Equal(0, code);
        var header = output.Split('\n')[0].Trim().Split(',');
        Assert.Equal(NimsFeatures.Names, header[^22..]);
        Assert.Equal(3, output.Trim().Split('\n').Length);

        (code, output, _) = await RunAsync("flows", "top", "--db", db, "--by", "Packets", "--limit", "1");
        Assert.Equal(0, code);
        Assert.Contains("10.0.0.1:1000", output, StringComparison.Ordinal);

        (code, output, _) = await RunAsync("flows", "export", "--db", db, "--format", "json");
        Assert.Equal(0, code);
        Assert.Contains("\"nims\"", output, StringComparison.Ordinal);
        Assert.Contains("\"endReason\": \"EndOfCapture\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_BadInput_GivesSysexitsCodes()
    {
        using var dir = new TempDirectory("flows");
        var junk = dir.Combine("junk.pcap");
        await File.WriteAllTextAsync(junk, "not a capture");
        Assert.Equal(65, (await RunAsync("flows", "extract", junk)).Code);
        Assert.Equal(66, (await RunAsync("flows", "extract", dir.Combine("absent.pcap"))).Code);
        Assert.Equal(64, (await RunAsync("flows", "extract", junk, "--json", "--csv")).Code);
        Assert.Equal(66, (await RunAsync("flows", "top", "--db", dir.Combine("absent.db"))).Code);
        Assert.Equal(64, (await RunAsync("flows", "export", "--db", dir.Combine("absent.db"), "--format", "xml")).Code);
    }

    private static string WriteCapture(TempDirectory dir)
    {
        var path = dir.Combine("t.pcap");
        using var writer = new PcapFileWriter(path, LinkTypes.Ethernet);
        for (var i = 0; i < 5; i++)
        {
            var frame = TestFrames.Tcp("10.0.0.1", 1000, "10.0.0.2", 80, payload: i);
            writer.Write(new CapturedPacket(i * 1_000_000L, frame.Length, frame.Length), frame);
        }

        var udp = TestFrames.Udp("10.0.0.3", 5, "10.0.0.4", 53, payload: 30);
        writer.Write(new CapturedPacket(9_000_000L, udp.Length, udp.Length), udp);
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static List<FlowRow> Rows(int count, DateTimeOffset end)
    {
        var rows = new List<FlowRow>();
        var table = new FlowTable(new FlowTableOptions(), flow => rows.Add(FlowRow.From(flow, new FlowTags("vm-1", "i-1", "d-1")) with { Start = end, End = end }));
        for (var i = 0; i < count; i++)
        {
            var frame = TestFrames.Udp("10.0.0.1", 1000 + i, "10.0.0.2", 53, payload: 10);
            var packet = default(Hostd.Traffic.Decoding.DecodedPacket);
            Hostd.Traffic.Decoding.PacketDecoder.Decode(LinkTypes.Ethernet, frame, frame.Length, ref packet);
            table.Add(packet, i, frame.Length);
        }

        table.FinishAll();
        return rows;
    }
}
