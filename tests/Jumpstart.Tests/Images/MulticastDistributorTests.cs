using System.Globalization;
using Jumpstart.Hostd.Images.Distribution;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Images;

/// <summary>Multicast pre-deployment with the real uftp/uftpd between network namespaces.</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
[Collection(TimedRunsCollection.Name)]
public sealed class MulticastDistributorTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_sendTimeout = TimeSpan.FromMinutes(2);

    [ToolFact("uftp", "uftpd", "ip", NeedsRoot = true)]
    public async Task Send_From_One_Namespace_Reaches_Two_Receivers_ByteEqual()
    {
        using var dir = new TempDirectory("mcast");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 96, dataEvery: 1, seed: 7);
        await using var lan = await HostLan.CreateAsync(3);
        var distributor = new MulticastDistributor();
        var group = new MulticastGroup("239.77.1.1", 11044);
        var receivers = new List<MulticastReceiver>();
        try
        {
            await StartReceiversAsync(distributor, lan, dir, group, 0x100, receivers);

            var result = await distributor.SendAsync(
                new MulticastSendOptions
                {
                    File = image,
                    DestinationName = "base-copy.raw",
                    Receivers = [0x101, 0x102],
                    Group = group with { Interface = HostLan.Interface(0) },
                    RateKbps = 300_000,
                    Timeout = s_sendTimeout,
                    CommandPrefix = lan.Exec(0),
                },
                CancellationToken.None);

            Assert.True(ImageFiles.SameBytes(image, dir.Combine("host1", "base-copy.raw")), "host1's copy differs");
            Assert.True(ImageFiles.SameBytes(image, dir.Combine("host2", "base-copy.raw")), "host2's copy differs");
            Assert.Equal(2, result.Receivers.Count(r => r.Completed));
            Assert.Equal(96L * 1024 * 1024, result.Bytes);

            // The planner's multicast time for this link rate: (1 + ρ) S / rate, the same for any number of receivers.
            var predicted = ImagePlanner.Predict(
                new PlanInput { Vms = 3, ImageSize = result.Bytes, ReadPerVm = 0, DiskBandwidth = 1e12, NetworkBandwidth = 300_000 * 1000 / 8.0, Latency = 0, MaxImages = 2 },
                DistributionScheme.PreDeployMulticast,
                2).DistributionSeconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"multicast 96 MiB to 2 receivers: {result.Elapsed.TotalSeconds:0.00} s, {result.BytesPerSecond / 1048576:0.0} MiB/s (planner: {predicted:0.00} s)"));
            Assert.InRange(result.Elapsed.TotalSeconds, predicted * 0.5, predicted * 1.5);
        }
        finally
        {
            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync();
            }
        }
    }

    [ToolFact("uftp", "uftpd", "ip", NeedsRoot = true)]
    public async Task Send_ToAReceiverThatIsNotThere_FailsNamingIt()
    {
        using var dir = new TempDirectory("mcast");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 1);
        await using var lan = await HostLan.CreateAsync(1);

        var error = await Assert.ThrowsAsync<MulticastException>(() => new MulticastDistributor().SendAsync(
            new MulticastSendOptions { File = image, Receivers = [0x999], Group = new MulticastGroup("239.77.1.2", 11045, HostLan.Interface(0)), Timeout = s_sendTimeout, CommandPrefix = lan.Exec(0) },
            CancellationToken.None));

        Assert.Contains("0x00000999", error.Message, StringComparison.Ordinal);
    }

    [ToolFact("uftp", "uftpd", "ip", NeedsRoot = true)]
    public async Task ReplicateCommand_Multicast_FromTheSenderNamespace_ReachesBothReceivers()
    {
        using var dir = new TempDirectory("mcast-cli");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 32, dataEvery: 1, seed: 9);
        await using var lan = await HostLan.CreateAsync(3);
        var distributor = new MulticastDistributor();
        var group = new MulticastGroup("239.77.1.3", 11046);
        var receivers = new List<MulticastReceiver>();
        try
        {
            await StartReceiversAsync(distributor, lan, dir, group, 0x200, receivers);

            var result = await ProcessRunner.RunAsync(
                "ip",
                [.. lan.Exec(0).Skip(1), BuiltPrograms.Cli, "image", "replicate", "--multicast", "--from", image, "--to", "copy.raw",
                    "--group", group.Address, "--port", group.Port.ToString(CultureInfo.InvariantCulture), "--interface", HostLan.Interface(0),
                    "--receiver", "0x201", "--receiver", "0x202", "--rate", "300Mbit/s", "--json"],
                new ProcessRunOptions { Timeout = s_sendTimeout });

            Assert.True(result.ExitCode == 0, result.StandardError);
            Assert.Contains("\"completed\": true", result.StandardOutput, StringComparison.Ordinal);
            Assert.True(ImageFiles.SameBytes(image, dir.Combine("host1", "copy.raw")));
            Assert.True(ImageFiles.SameBytes(image, dir.Combine("host2", "copy.raw")));
        }
        finally
        {
            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ReplicateCommand_Multicast_WithoutUftp_ExitsUnavailableNamingThePackage()
    {
        using var dir = new TempDirectory("mcast-cli");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 1);

        var result = await ProcessRunner.RunAsync(
            BuiltPrograms.Cli,
            ["image", "replicate", "--multicast", "--from", image, "--to", "copy.raw", "--receiver", "0x1"],
            new ProcessRunOptions { Timeout = s_sendTimeout, Environment = new Dictionary<string, string?> { ["PATH"] = dir.Path } });

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.Contains("apt-get install uftp", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WithoutUftpInstalled_SaysWhichPackageIsMissing()
    {
        using var dir = new TempDirectory("mcast");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 1);

        var error = await Assert.ThrowsAsync<MulticastToolMissingException>(() => new MulticastDistributor().SendAsync(
            new MulticastSendOptions { File = image, Receivers = [1], Program = "uftp-not-installed" }, CancellationToken.None));

        Assert.Contains("apt-get install uftp", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("not-an-address")]
    public async Task Send_ToANonMulticastGroup_IsRefusedBeforeStarting(string address)
        => await Assert.ThrowsAsync<ArgumentException>(() => new MulticastDistributor().SendAsync(
            new MulticastSendOptions { File = "/nonexistent", Receivers = [1], Group = new MulticastGroup(address) }, CancellationToken.None));

    /// <summary>uftpd on hosts 1 and 2 of the LAN, ids <paramref name="firstId"/>+1 and +2, each into its own directory hostN.</summary>
    private static async Task StartReceiversAsync(MulticastDistributor distributor, HostLan lan, TempDirectory dir, MulticastGroup group, uint firstId, List<MulticastReceiver> receivers)
    {
        for (var i = 1; i <= 2; i++)
        {
            var dest = Directory.CreateDirectory(dir.Combine("host" + i.ToString(CultureInfo.InvariantCulture))).FullName;
            receivers.Add(await distributor.StartReceiverAsync(
                new MulticastReceiverOptions { DestinationDirectory = dest, ClientId = (uint)(firstId + i), Group = group with { Interface = HostLan.Interface(i) }, CommandPrefix = lan.Exec(i) },
                CancellationToken.None));
        }
    }

    [Fact]
    public void StatusParser_ReadsUftpsTransferReport()
    {
        const string Report = """
            Transfer status:
            Host: 0x00000002       Status: Completed   time:   2.340 seconds
            Host: 0x00000003       Status: Aborted
            Total elapsed time: 2.340 seconds
            """;

        var statuses = MulticastDistributor.ParseStatus(Report);

        Assert.Equal([new MulticastReceiverStatus(2, "Completed", 2.34), new MulticastReceiverStatus(3, "Aborted", null)], statuses);
    }
}
