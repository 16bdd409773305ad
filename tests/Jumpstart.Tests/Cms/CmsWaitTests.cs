using Jumpstart.Shared.Cms;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cms;

[Trait(Capabilities.Trait, Capabilities.Cms)]
public sealed class CmsWaitTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Wait_AlreadySatisfied_AnswersAtOnce()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 2));
        await bed.RegisterAsync("d1", 0);

        var result = await bed.Service.WaitAsync(CmsTestBed.Wait("d1", 1, role: "master"), CancellationToken.None).WaitAsync(s_bound);

        Assert.True(result.Satisfied);
        Assert.Equal(CmsTestBed.InstanceId(0), Assert.Single(result.Matching).InstanceId);
    }

    [Fact]
    public async Task Wait_ForMasterReady_IsWokenByTheMastersReport()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 2));
        await bed.RegisterAsync("d1", 0);
        await bed.RegisterAsync("d1", 1);

        var waiting = bed.Service.WaitAsync(CmsTestBed.Wait("d1", 1, role: "master", phase: InstancePhase.Ready, timeoutMs: 60_000), CancellationToken.None);
        await bed.ReportAsync("d1", 0, InstancePhase.Configured);
        Assert.False(waiting.IsCompleted && (await waiting).Satisfied);
        await bed.ReportAsync("d1", 0, InstancePhase.Ready);
        var result = await waiting.WaitAsync(s_bound);

        Assert.True(result.Satisfied);
        Assert.Equal(InstancePhase.Ready, Assert.Single(result.Matching).Phase);
    }

    [Fact]
    public async Task Wait_ForAllRegistered_IsWokenByTheLastRegistration()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3));
        await bed.RegisterAsync("d1", 0);

        var waiting = bed.Service.WaitAsync(CmsTestBed.Wait("d1", 0, timeoutMs: 60_000), CancellationToken.None);
        await bed.RegisterAsync("d1", 1);
        await bed.RegisterAsync("d1", 2);
        var result = await waiting.WaitAsync(s_bound);

        Assert.True(result.Satisfied);
        Assert.Equal(3, result.Matching.Count);
    }

    [Fact]
    public async Task Wait_NeverSatisfied_TimesOutUnsatisfiedWithWhatMatched()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3));
        await bed.RegisterAsync("d1", 0);

        var result = await bed.Service.WaitAsync(CmsTestBed.Wait("d1", 0, timeoutMs: 200), CancellationToken.None).WaitAsync(s_bound);

        Assert.False(result.Satisfied);
        Assert.Single(result.Matching);
    }

    [Fact]
    public async Task Wait_LongerThanTheServerAllows_IsCutToTheServersBound()
    {
        await using var bed = await CmsTestBed.StartAsync(maxWaitMs: 200);
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3));
        await bed.RegisterAsync("d1", 0);

        // Asks for an hour; the bounded test wait proves the server answered long before.
        var result = await bed.Service.WaitAsync(CmsTestBed.Wait("d1", 0, timeoutMs: 3_600_000), CancellationToken.None).WaitAsync(s_bound);

        Assert.False(result.Satisfied);
    }

    [Fact]
    public async Task Wait_DeploymentDeleted_EndsWithUnknownDeployment()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3));
        await bed.RegisterAsync("d1", 0);

        var waiting = bed.Service.WaitAsync(CmsTestBed.Wait("d1", 0, timeoutMs: 60_000), CancellationToken.None);
        await bed.Service.DeleteDeploymentAsync(new AdminRequest { AdminToken = CmsTestBed.AdminToken, DeploymentId = "d1" }, CancellationToken.None);

        await CmsAssert.RefusedAsync(CmsErrorCodes.UnknownDeployment, () => waiting.WaitAsync(s_bound));
    }

    [Fact]
    public async Task Wait_CancelledByTheCaller_ThrowsOperationCanceled()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3));
        await bed.RegisterAsync("d1", 0);
        using var cancel = new CancellationTokenSource();

        var waiting = bed.Service.WaitAsync(CmsTestBed.Wait("d1", 0, timeoutMs: 60_000), cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(s_bound));
    }

    [Fact]
    public async Task Wait_ForFailed_CountsOnlyFailedInstances()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 2));
        await bed.RegisterAsync("d1", 0);
        await bed.RegisterAsync("d1", 1);
        await bed.ReportAsync("d1", 1, InstancePhase.Failed, "boom");

        var ready = await bed.Service.WaitAsync(CmsTestBed.Wait("d1", 0, phase: InstancePhase.Registered, timeoutMs: 0), CancellationToken.None);
        var failed = await bed.Service.WaitAsync(CmsTestBed.Wait("d1", 0, phase: InstancePhase.Failed, minCount: 1, timeoutMs: 0), CancellationToken.None);

        Assert.False(ready.Satisfied);
        Assert.True(failed.Satisfied);
        Assert.Equal(CmsTestBed.InstanceId(1), Assert.Single(failed.Matching).InstanceId);
    }
}
