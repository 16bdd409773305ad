using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Traffic.Capture;
using Jumpstart.Hostd.Traffic.Decoding;
using Jumpstart.Hostd.Traffic.Features;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Hostd.Traffic.Storage;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Traffic;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Jumpstart.Tests.Classification;

/// <summary>
/// Issue 6 §5: finished flows are labelled by the active model (the flow table's NIMS vector mapped onto the
/// model's features by name), the model is replaced at runtime without losing flows, and stored traffic is shown
/// per application per VM. The models are trained by the real CLI on generated NIMS-shaped data where only the
/// protocol tells the two applications apart, so the expected label of a UDP or TCP flow is certain.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Classifier)]
public sealed class OnlineLabellingTests
{
    [Fact]
    public async Task StoredFlows_AreLabelledByTheModel_AndTopShowsTrafficPerApplicationPerVm()
    {
        using var dir = new TempDirectory("online");
        var model = await TrainAsync(dir, "dns", "web");
        var db = dir.Combine("flows.db");
        using (var store = FlowStore.Open(db, new FlowStoreOptions()))
        {
            store.Add([.. Flows(udp: true, count: 3, new FlowTags("vm-a", "i-a", "d")), .. Flows(udp: false, count: 2, new FlowTags("vm-b", "i-b", "d"))]);
        }

        var (code, output) = await RunAsync("flows", "classify", "--db", db, "--model", model, "--json");
        Assert.Equal(0, code);
        using (var counts = JsonDocument.Parse(output))
        {
            Assert.Equal(5, counts.RootElement.GetProperty("labelled").GetInt64());
        }

        (code, output) = await RunAsync("flows", "top", "--db", db, "--by-app", "--json");
        Assert.Equal(0, code);
        using var top = JsonDocument.Parse(output);
        var rows = top.RootElement.EnumerateArray()
            .Select(r => (Vm: r.GetProperty("vm").GetString(), App: r.GetProperty("application").GetString(), Flows: r.GetProperty("flows").GetInt64()))
            .OrderBy(r => r.Vm, StringComparer.Ordinal).ToList();
        Assert.Equal([("vm-a", "dns", 3L), ("vm-b", "web", 2L)], rows);

        // A second run finds nothing left to label; --all relabels.
        (code, output) = await RunAsync("flows", "classify", "--db", db, "--model", model);
        Assert.Equal((0, "0 flows labelled, 0 of them unknown"), (code, output.Trim()));
    }

    [Fact]
    public async Task ReplacingTheModel_TakesEffectForTheNextFlow_AndABadFileKeepsTheCurrentOne()
    {
        using var dir = new TempDirectory("online");
        var first = await TrainAsync(dir, "dns", "web");
        var second = await TrainAsync(dir, "name-service", "http");
        var labeller = new FlowLabeller();
        var udp = Flows(udp: true, count: 1, FlowTags.None)[0];
        Assert.Null(labeller.Label(udp).Label);

        labeller.Load(first);
        Assert.Equal("dns", labeller.Label(udp).Label);
        labeller.Load(second);
        Assert.Equal("name-service", labeller.Label(udp).Label);

        var damaged = dir.Combine("damaged.model");
        var bytes = await File.ReadAllBytesAsync(second);
        bytes[bytes.Length / 2] ^= 0x5a;
        await File.WriteAllBytesAsync(damaged, bytes);
        Assert.ThrowsAny<FormatException>(() => labeller.Load(damaged));
        Assert.ThrowsAny<IOException>(() => labeller.Load(dir.Combine("missing.model")));
        Assert.Equal((second, "name-service"), (labeller.ModelPath, labeller.Label(udp).Label));
        Assert.Equal((3L, 0L), (labeller.Labelled, labeller.Unknown));
    }

    [ToolFact("ip", "/usr/bin/python3", NeedsRoot = true)]
    public async Task Hostd_LabelsLiveFlowsBeforeStoringThem_AndAConfigurationReloadSwapsTheModel()
    {
        using var dir = new TempDirectory("online");
        await TrainAsync(dir, "dns", "web", "first.model");
        await TrainAsync(dir, "name-service", "http", "second.model");
        await using var veth = await VethNamespace.CreateAsync();
        var responders = veth.Start("/usr/bin/python3", ["-c", NamespaceResponders.Script, veth.PeerAddress], dir.Path);
        Assert.Equal("ready", await responders.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        // The service reads Traffic:ModelPath through IOptionsMonitor, as in hostd, where SIGHUP reloads the configuration.
        var settings = new Dictionary<string, string?>
        {
            ["Traffic:Enabled"] = "true",
            ["Traffic:CaptureVmTaps"] = "false",
            ["Traffic:IdleTimeoutSeconds"] = "1",
            ["Traffic:Interfaces:0:Name"] = veth.HostInterface,
            ["Traffic:Interfaces:0:Vm"] = "web-1",
            ["Traffic:ModelPath"] = "first.model",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.Configure<TrafficOptions>(configuration.GetSection(TrafficOptions.Section));
        await using var provider = services.BuildServiceProvider();
        var service = new TrafficService(provider.GetRequiredService<IOptions<TrafficOptions>>(), Options.Create(new HostdOptions { StateDirectory = dir.Path }),
            provider, NullLogger<TrafficService>.Instance);
        await using (service)
        {
            await service.StartAsync(CancellationToken.None);
            Assert.Equal(dir.Combine("first.model"), service.Labeller.ModelPath);
            await EchoAsync(veth, sourcePort: 40001);
            await WaitUntilStoredAsync(dir.Combine("flows.db"), 40001);

            configuration["Traffic:ModelPath"] = "second.model";
            configuration.Reload();
            Assert.Equal(dir.Combine("second.model"), service.Labeller.ModelPath);
            await EchoAsync(veth, sourcePort: 40002);
            await service.StopAsync(CancellationToken.None);
        }

        using var store = FlowStore.Open(dir.Combine("flows.db"), new FlowStoreOptions());
        var echoes = store.Query(new FlowQuery { Vm = "web-1" }).Where(r => r.ServerPort == NamespaceResponders.EchoPort).ToDictionary(r => r.ClientPort);
        Assert.Equal("dns", echoes[40001].Label);
        Assert.Equal("name-service", echoes[40002].Label);
        Assert.InRange(echoes[40002].Confidence!.Value, 0.5, 1.0);
    }

    [Fact]
    public async Task Hostd_ReplacesTheModelThroughTheControlSocket_AndABadFileKeepsTheCurrentOne()
    {
        using var dir = new TempDirectory("online");
        var first = await TrainAsync(dir, "dns", "web", "first.model");
        var second = await TrainAsync(dir, "name-service", "http", "second.model");
        var damaged = dir.Combine("damaged.model");
        var bytes = await File.ReadAllBytesAsync(second);
        bytes[bytes.Length / 2] ^= 0x5a;
        await File.WriteAllBytesAsync(damaged, bytes);
        using var listener = NotifyListener.AtPath(dir.Combine("notify"));
        var config = $$"""
            { "Hostd": { "NodeName": "hv-model" }, "Traffic": { "Enabled": true, "CaptureVmTaps": false, "ModelPath": "{{first}}" } }
            """;
        await using var daemon = HostdUnderTest.Start(dir, config, listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);
        var socket = dir.Combine("run", "hostd.sock");

        var (code, output) = await RunAsync("flows", "status", "--socket", socket, "--json");
        Assert.Equal(0, code);
        Assert.Equal(first, JsonDocument.Parse(output).RootElement.GetProperty("model").GetString());

        (code, output) = await RunAsync("flows", "model", second, "--socket", socket);
        Assert.Equal(0, code);
        Assert.Equal($"labelling with {second} (2 applications: name-service, http)", output.Trim());

        Assert.Equal(ExitCodes.DataError, (await RunAsync("flows", "model", damaged, "--socket", socket)).Code);
        Assert.Equal(ExitCodes.NoInput, (await RunAsync("flows", "model", dir.Combine("missing.model"), "--socket", socket)).Code);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("flows", "model", second, "--unload", "--socket", socket)).Code);
        (code, output) = await RunAsync("flows", "status", "--socket", socket, "--json");
        using (var status = JsonDocument.Parse(output))
        {
            Assert.Equal(second, status.RootElement.GetProperty("model").GetString());
            Assert.Equal(["name-service", "http"], status.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        }

        // Without PATH the active file is read again: a retrained model under the same name takes over.
        File.Copy(first, second, overwrite: true);
        (code, output) = await RunAsync("flows", "model", "--socket", socket);
        Assert.Equal((0, $"labelling with {second} (2 applications: dns, web)"), (code, output.Trim()));

        (code, output) = await RunAsync("flows", "model", "--unload", "--socket", socket);
        Assert.Equal((0, "labelling stopped: flows are stored without a label"), (code, output.Trim()));
        Assert.Equal(ExitCodes.Usage, (await RunAsync("flows", "model", "--socket", socket)).Code);
    }

    private static async Task EchoAsync(VethNamespace veth, int sourcePort)
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Any, sourcePort));
        for (var i = 0; i < 3; i++)
        {
            await udp.SendAsync(new byte[40], new IPEndPoint(IPAddress.Parse(veth.PeerAddress), NamespaceResponders.EchoPort));
            _ = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    // The idle timeout (1 s) ends the flow; the writer stores it within a batch.
    private static Task WaitUntilStoredAsync(string db, int clientPort)
        => Poll.UntilAsync(() => IsStored(db, clientPort), TimeSpan.FromSeconds(30), $"the flow from port {clientPort} stored", TimeSpan.FromMilliseconds(200));

    private static bool IsStored(string db, int clientPort)
    {
        if (!File.Exists(db))
        {
            return false;
        }

        using var store = FlowStore.Open(db, new FlowStoreOptions());
        return store.Query(new FlowQuery { Limit = 1000 }).Any(r => r.ClientPort == clientPort);
    }

    /// <summary>Trains a Random Forest with the CLI on NIMS-shaped rows whose only signal is the protocol (17 -> udpClass, 6 -> tcpClass).</summary>
    internal static async Task<string> TrainAsync(TempDirectory dir, string udpClass, string tcpClass, string? name = null)
    {
        var csv = dir.Combine($"{udpClass}-{tcpClass}.csv");
        var random = new Random(5);
        var text = new StringBuilder(string.Join(',', [.. NimsFeatures.Names, NimsFeatures.ClassColumn])).Append('\n');
        for (var i = 0; i < 200; i++)
        {
            var udp = i % 2 == 0;
            var values = NimsFeatures.Names.Select(f => f == "proto" ? (udp ? 17 : 6) : random.Next(0, 2000));
            text.Append(string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture)))).Append(',').Append(udp ? udpClass : tcpClass).Append('\n');
        }

        await File.WriteAllTextAsync(csv, text.ToString());
        var model = dir.Combine(name ?? $"{udpClass}-{tcpClass}.model");
        var (code, _) = await RunAsync("classify", "train", csv, "-o", model, "--algorithm", "random-forest", "--seed", "3");
        Assert.Equal(0, code);
        return model;
    }

    private static List<FlowRow> Flows(bool udp, int count, FlowTags tags)
    {
        // Stamped now: the store's retention deletes flows older than a week, and the frames' clock starts at 1970.
        var now = DateTimeOffset.UtcNow;
        var rows = new List<FlowRow>();
        var table = new FlowTable(new FlowTableOptions(), flow => rows.Add(FlowRow.From(flow, tags) with { Start = now, End = now }));
        for (var i = 0; i < count; i++)
        {
            for (var p = 0; p < 3; p++)
            {
                var frame = udp ? TestFrames.Udp("10.0.0.1", 2000 + i, "10.0.0.2", 53, payload: 30) : TestFrames.Tcp("10.0.0.1", 3000 + i, "10.0.0.2", 80, payload: 300);
                var packet = default(DecodedPacket);
                PacketDecoder.Decode(LinkTypes.Ethernet, frame, frame.Length, ref packet);
                table.Add(packet, (i * 10) + p, frame.Length);
            }
        }

        table.FinishAll();
        return rows;
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString());
    }
}
