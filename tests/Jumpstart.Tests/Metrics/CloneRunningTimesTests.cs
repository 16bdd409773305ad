using Jumpstart.Hostd.Metrics;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Metrics;

[Trait(Capabilities.Trait, Capabilities.Metrics)]
public sealed class CloneRunningTimesTests
{
    [Fact]
    public void ClonesThatNeverRegisterHere_AreForgottenOldestFirst_SoTheMapStaysBounded()
    {
        var times = new CloneRunningTimes();
        var at = DateTimeOffset.UnixEpoch;

        for (var i = 0; i <= CloneRunningTimes.MaxEntries; i++)
        {
            times.Add($"i-{i}", at.AddSeconds(i));
        }

        Assert.Equal(CloneRunningTimes.MaxEntries, times.Count);
        Assert.Null(times.Take("i-0"));
        Assert.Equal(at.AddSeconds(CloneRunningTimes.MaxEntries), times.Take($"i-{CloneRunningTimes.MaxEntries}"));
        Assert.Null(times.Take($"i-{CloneRunningTimes.MaxEntries}"));
    }

    [Fact]
    public void TakenAndReAddedIds_DoNotGrowItBeyondItsBound()
    {
        var times = new CloneRunningTimes();

        for (var i = 0; i < 3 * CloneRunningTimes.MaxEntries; i++)
        {
            times.Add($"i-{i}", DateTimeOffset.UnixEpoch);
            Assert.NotNull(times.Take($"i-{i}"));
        }

        Assert.Equal(0, times.Count);
        Assert.True(times.QueuedCount <= CloneRunningTimes.MaxEntries);
    }
}
