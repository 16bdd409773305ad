using System.Diagnostics;
using System.Security.Cryptography;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Images;
using Jumpstart.Hostd.Metrics;
using Jumpstart.Hostd.Store;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Tests.Cms;
using Jumpstart.Tests.Store;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Jumpstart.Tests.Metrics;

/// <summary>
/// The metrics hostd exports, read through the real exporter while the real components work in-process: an NBD
/// client reading from the image service, guests registering with the CMS, puts and gets of the state store.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Metrics)]
[Collection(MetricsCollection.Name)]
public sealed class RecordedMetricsTests
{
    private const int ReadLength = 64 * 1024;
    private const long ImageLength = 4L * 1024 * 1024;

    [Fact]
    public async Task NbdReads_OfAServedImage_CountAsThatImagesBytesAndRequests()
    {
        using var dir = new TempDirectory("metrics-nbd");
        await using var images = await StartImagesAsync(dir);
        var content = RandomNumberGenerator.GetBytes((int)ImageLength);
        await File.WriteAllBytesAsync(dir.Combine("base.raw"), content);
        await images.AddAsync(new ImageAddRequest { Name = "base", File = dir.Combine("base.raw") }, CancellationToken.None);
        using var exporter = new MetricsExporter(new HostdObservedMetrics(null, images, null));

        var buffer = new byte[ReadLength];
        await using (var client = await NbdClient.ConnectAsync(NbdUri.ForUnix(images.SocketPath, "base")))
        {
            await client.ReadAsync(ReadLength, buffer, CancellationToken.None);
        }

        var text = await MetricsText.ScrapeAsync(exporter);
        Assert.Equal(content.AsSpan(ReadLength, ReadLength).ToArray(), buffer);
        Assert.Equal(ReadLength, MetricsText.Sum(text, HostdObservedMetrics.NbdReadBytesName, (HostdObservedMetrics.ImageLabel, "base")));
        Assert.True(MetricsText.Sum(text, HostdObservedMetrics.NbdRequestsName, (HostdObservedMetrics.ImageLabel, "base")) >= 1, text);
        Assert.Equal(0, MetricsText.Sum(text, HostdObservedMetrics.NbdErrorsName, (HostdObservedMetrics.ImageLabel, "base")));
        Assert.Contains($"# TYPE {HostdObservedMetrics.NbdReadBytesName} counter", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APseudoImage_CountsAMissForItsFirstRead_AndAHitWhenTheSameBlockIsReadAgain()
    {
        using var dir = new TempDirectory("metrics-cache");
        await using var images = await StartImagesAsync(dir);
        await File.WriteAllBytesAsync(dir.Combine("base.raw"), RandomNumberGenerator.GetBytes((int)ImageLength));
        var real = await images.AddAsync(new ImageAddRequest { Name = "base", File = dir.Combine("base.raw") }, CancellationToken.None);
        await images.AddAsync(new ImageAddRequest { Name = "cache", Upstreams = [real.LocalUri!] }, CancellationToken.None);
        using var exporter = new MetricsExporter(new HostdObservedMetrics(null, images, null));
        var label = (HostdObservedMetrics.ImageLabel, "cache");

        await using var client = await NbdClient.ConnectAsync(NbdUri.ForUnix(images.SocketPath, "cache"));
        await client.ReadAsync(0, new byte[ReadLength], CancellationToken.None);
        var first = await MetricsText.ScrapeAsync(exporter);
        await client.ReadAsync(0, new byte[ReadLength], CancellationToken.None);
        var second = await MetricsText.ScrapeAsync(exporter);

        Assert.True(MetricsText.Sum(first, HostdObservedMetrics.CacheMissesName, label) >= 1, first);
        Assert.True(MetricsText.Sum(first, HostdObservedMetrics.CacheFetchedBytesName, label) >= ReadLength, first);
        Assert.Equal(MetricsText.Sum(first, HostdObservedMetrics.CacheMissesName, label), MetricsText.Sum(second, HostdObservedMetrics.CacheMissesName, label));
        Assert.True(MetricsText.Sum(second, HostdObservedMetrics.CacheHitsName, label) > MetricsText.Sum(first, HostdObservedMetrics.CacheHitsName, label), second);
        Assert.Equal(2 * ReadLength, MetricsText.Sum(second, HostdObservedMetrics.NbdReadBytesName, label));
    }

    [Fact]
    public async Task ARemovedImage_LeavesTheMetricsAtTheNextScrape()
    {
        using var dir = new TempDirectory("metrics-removed");
        await using var images = await StartImagesAsync(dir);
        await File.WriteAllBytesAsync(dir.Combine("base.raw"), new byte[ImageLength]);
        await images.AddAsync(new ImageAddRequest { Name = "gone", File = dir.Combine("base.raw") }, CancellationToken.None);
        using var exporter = new MetricsExporter(new HostdObservedMetrics(null, images, null));
        var before = await MetricsText.ScrapeAsync(exporter);

        await images.RemoveAsync("gone", CancellationToken.None);
        var after = await MetricsText.ScrapeAsync(exporter);

        Assert.Single(MetricsText.Samples(before, HostdObservedMetrics.NbdRequestsName), s => s.Labels[HostdObservedMetrics.ImageLabel] == "gone");
        Assert.DoesNotContain(MetricsText.Samples(after, HostdObservedMetrics.NbdRequestsName), s => s.Labels[HostdObservedMetrics.ImageLabel] == "gone");
    }

    [Fact]
    public async Task CmsRegistrations_CountByAssignedRole_AndARefusedCall_CountsAsAnErrorOfItsMethod()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("metrics-roles", 3));
        using var exporter = new MetricsExporter(null);
        var before = await MetricsText.ScrapeAsync(exporter);

        for (var i = 0; i < 3; i++)
        {
            await bed.RegisterAsync("metrics-roles", i);
        }

        await bed.RegisterAsync("metrics-roles", 1); // Registering again is not a new registration.
        var target = new CmsRpcTarget(bed.Service, NullLogger.Instance);
        await Assert.ThrowsAnyAsync<Exception>(() => target.RegisterAsync(CmsTestBed.Register("metrics-roles", 2, token: "not-its-token"), CancellationToken.None));
        var after = await MetricsText.ScrapeAsync(exporter);

        double Delta(string name, params (string, string)[] labels) => MetricsText.Sum(after, name, labels) - MetricsText.Sum(before, name, labels);
        Assert.Equal(1, Delta(HostdMetrics.CmsRegistrationsName, (HostdMetrics.RoleLabel, "master")));
        Assert.Equal(2, Delta(HostdMetrics.CmsRegistrationsName, (HostdMetrics.RoleLabel, "worker")));
        Assert.Equal(1, Delta(HostdMetrics.CmsErrorsName, (HostdMetrics.MethodLabel, CmsMethods.Register), (HostdMetrics.CodeLabel, "-32002")));
    }

    [Fact]
    public async Task ACloneThatRunsRegistersAndReportsReady_RecordsItsGuestConfigurationAndCmsRoleStages()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("metrics-stages", 2));
        using var exporter = new MetricsExporter(null);
        var before = await MetricsText.ScrapeAsync(exporter);
        var runningFor = TimeSpan.FromSeconds(2);

        HostdMetrics.CloneRunning(CmsTestBed.InstanceId(0), [new StageTime(CloneStage.Running, DateTimeOffset.UtcNow - runningFor, 3)]);
        HostdMetrics.CloneRunning(CmsTestBed.InstanceId(1), [new StageTime(CloneStage.DiscInserted, DateTimeOffset.UtcNow - runningFor, 3)]); // A cold boot.
        await bed.RegisterAsync("metrics-stages", 0);
        await bed.RegisterAsync("metrics-stages", 1);
        await bed.Service.ReportAsync(
            new ReportRequest { DeploymentId = "metrics-stages", InstanceId = CmsTestBed.InstanceId(0), Token = CmsTestBed.TokenOf("metrics-stages", 0), Phase = InstancePhase.Ready },
            CancellationToken.None);
        var after = await MetricsText.ScrapeAsync(exporter);

        double Delta(string name, string stage) => MetricsText.Sum(after, name, (HostdMetrics.StageLabel, stage)) - MetricsText.Sum(before, name, (HostdMetrics.StageLabel, stage));
        Assert.Equal(1, Delta(HostdMetrics.CloneStageSecondsName + "_count", HostdMetrics.GuestConfigurationStage));
        Assert.InRange(Delta(HostdMetrics.CloneStageSecondsName + "_sum", HostdMetrics.GuestConfigurationStage), runningFor.TotalSeconds, runningFor.TotalSeconds + 30);
        Assert.Equal(1, Delta(HostdMetrics.CloneStageSecondsName + "_count", HostdMetrics.CmsRoleStage));
        Assert.Equal(
            1,
            MetricsText.Sum(after, HostdMetrics.CmsReportsName, (HostdMetrics.PhaseLabel, InstancePhase.Ready)) - MetricsText.Sum(before, HostdMetrics.CmsReportsName, (HostdMetrics.PhaseLabel, InstancePhase.Ready)));
    }

    [Fact]
    public async Task TheCloneStageClock_RecordsEachStagesOwnDuration_AndResumeFromDisksToRunning()
    {
        using var exporter = new MetricsExporter(null);
        var before = await MetricsText.ScrapeAsync(exporter);
        var clock = new CloneStageClock(CloneOrchestrator.Operation, "vm-metrics", DateTimeOffset.UtcNow, Stopwatch.StartNew(), null, verifySeconds: 0);

        foreach (var stage in new[] { CloneStage.Disks, CloneStage.Spawn, CloneStage.Migrated, CloneStage.DiscInserted, CloneStage.Running })
        {
            clock.Mark(stage);
        }

        var after = await MetricsText.ScrapeAsync(exporter);
        double Delta(string suffix, string stage)
            => MetricsText.Sum(after, HostdMetrics.CloneStageSecondsName + suffix, (HostdMetrics.StageLabel, stage))
             - MetricsText.Sum(before, HostdMetrics.CloneStageSecondsName + suffix, (HostdMetrics.StageLabel, stage));
        foreach (var stage in new[] { CloneStage.Disks, CloneStage.Spawn, CloneStage.Migrated, CloneStage.DiscInserted, CloneStage.Running, HostdMetrics.ResumeStage })
        {
            Assert.Equal(1, Delta("_count", stage));
        }

        var disks = clock.Stages.Single(s => s.Stage == CloneStage.Disks).Seconds;
        Assert.Equal(clock.Last - disks, Delta("_sum", HostdMetrics.ResumeStage), 6);
        Assert.Equal(disks, Delta("_sum", CloneStage.Disks), 6);
        Assert.Equal(0, Delta("_count", CloneStage.Verify)); // Verification is timed once per request, not per clone.
        Assert.Contains($"# TYPE {HostdMetrics.CloneStageSecondsName} histogram", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StorePutsAndGets_CountTheirBytes_AndAGetOfALostFile_CountsAFailure()
    {
        using var dir = new TempDirectory("metrics-store");
        await using var cluster = await StoreCluster.StartAsync(dir, 4, processes: false);
        using var exporter = new MetricsExporter(null);
        var before = await MetricsText.ScrapeAsync(exporter);
        var data = RandomNumberGenerator.GetBytes(100_000);

        await cluster.Store.PutAsync(new MemoryStream(data), new PutOptions { Name = "f", BlockSize = 4096 }, null, CancellationToken.None);
        await cluster.Store.GetAsync("f", Stream.Null, null, CancellationToken.None);
        await cluster.StopAsync(1);
        await cluster.StopAsync(2);
        await Assert.ThrowsAsync<StoreDataLostException>(() => cluster.Store.GetAsync("f", Stream.Null, null, CancellationToken.None));
        var after = await MetricsText.ScrapeAsync(exporter);

        double Delta(string name, string operation)
            => MetricsText.Sum(after, name, (HostdMetrics.OperationLabel, operation)) - MetricsText.Sum(before, name, (HostdMetrics.OperationLabel, operation));
        Assert.Equal(data.Length, Delta(HostdMetrics.StoreBytesName, HostdMetrics.StorePut));
        Assert.Equal(data.Length, Delta(HostdMetrics.StoreBytesName, HostdMetrics.StoreGet));
        Assert.Equal(0, Delta(HostdMetrics.StoreFailuresName, HostdMetrics.StorePut));
        Assert.Equal(1, Delta(HostdMetrics.StoreFailuresName, HostdMetrics.StoreGet));
    }

    private static async Task<ImageService> StartImagesAsync(TempDirectory dir)
    {
        var images = new ImageService(
            Options.Create(new ImageOptions { Directory = dir.Combine("images"), SocketPath = dir.Combine("nbd.sock") }),
            Options.Create(new HostdOptions { StateDirectory = dir.Combine("state"), RuntimeDirectory = dir.Combine("run") }),
            NullLoggerFactory.Instance);
        await images.StartAsync(CancellationToken.None);
        return images;
    }
}
