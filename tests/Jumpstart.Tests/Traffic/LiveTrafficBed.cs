using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Traffic.Capture;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Jumpstart.Tests.Traffic;

/// <summary>
/// A veth into a namespace the test made, the UDP/TCP responders running in it, and hostd's capture service
/// (not started) configured to capture the host end, tagged with a VM (and instance and deployment), storing
/// flows in <c>flows.db</c> under the given directory.
/// </summary>
internal sealed class LiveTrafficBed(VethNamespace veth, TrafficService service) : IAsyncDisposable
{
    public VethNamespace Veth { get; } = veth;

    public TrafficService Service { get; } = service;

    public static async Task<LiveTrafficBed> CreateAsync(string directory, string vm, string? instanceId = null, string? deployment = null)
    {
        var veth = await VethNamespace.CreateAsync();
        try
        {
            var responders = veth.Start("/usr/bin/python3", ["-c", NamespaceResponders.Script, veth.PeerAddress], directory);
            Assert.Equal("ready", await responders.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            var options = new TrafficOptions
            {
                Enabled = true,
                DatabasePath = "flows.db",
                CaptureVmTaps = false,
                Interfaces = [new TrafficInterface { Name = veth.HostInterface, Vm = vm, InstanceId = instanceId, Deployment = deployment }],
            };
            var service = new TrafficService(Options.Create(options), Options.Create(new HostdOptions { StateDirectory = directory }),
                new ServiceCollection().BuildServiceProvider(), NullLogger<TrafficService>.Instance);
            return new LiveTrafficBed(veth, service);
        }
        catch
        {
            await veth.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends <paramref name="count"/> 50-byte datagrams to the echo responder and waits for each answer.</summary>
    public async Task EchoAsync(int count)
    {
        using var udp = new UdpClient();
        for (var i = 0; i < count; i++)
        {
            await udp.SendAsync(new byte[50], new IPEndPoint(IPAddress.Parse(Veth.PeerAddress), NamespaceResponders.EchoPort));
            _ = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Service.DisposeAsync();
        await Veth.DisposeAsync();
    }
}
