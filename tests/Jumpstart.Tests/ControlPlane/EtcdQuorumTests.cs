using System.Diagnostics;
using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>The manager's store on a real three-member etcd (TLS) while members die: one lost stops nothing; two lost stop writes with a clear error; one back resumes them with nothing lost.</summary>
[Trait(Capabilities.Trait, Capabilities.ControlPlane)]
public sealed class EtcdQuorumTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset s_now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    [ToolFact("etcd")]
    public async Task OneMemberDown_StopsNothing_TwoDown_StopWritesWithAClearError_UntilOneReturns()
    {
        using var etcd = new EtcdTestCluster(3);
        await etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        using var store = new EtcdClusterStore(etcd.Connect(), "/jumpstart/quorum/", ownsConnection: true);
        await store.PutHostAsync(Host("host-0"), CancellationToken.None);

        etcd.Kill(2);
        for (var i = 1; i <= 10; i++)
        {
            await store.PutHostAsync(Host($"host-{i}"), CancellationToken.None);
        }

        Assert.Equal(11, (await store.ListHostsAsync(CancellationToken.None)).Count);

        etcd.Kill(1);
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ClusterStoreException>(() => store.PutHostAsync(Host("host-lost"), CancellationToken.None));
        output.WriteLine($"with two of three members down a write failed after {clock.Elapsed.TotalSeconds:0.0} s: {error.Message}");
        Assert.Contains("etcd at localhost:", error.Message, StringComparison.Ordinal);
        Assert.Contains("quorum", error.Message, StringComparison.Ordinal);
        Assert.Equal(69, error.ExitCode);
        Assert.True(clock.Elapsed < EtcdConnection.OperationTimeout + TimeSpan.FromSeconds(8), $"the write hung for {clock.Elapsed}");

        etcd.Start(1);
        clock.Restart();
        await Poll.UntilAsync(
            async ct =>
            {
                try
                {
                    await store.PutHostAsync(Host("host-11"), ct);
                    return true;
                }
                catch (ClusterStoreException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            "a write succeeds once a second member is back",
            TimeSpan.FromMilliseconds(250));
        output.WriteLine($"writes resumed {clock.Elapsed.TotalSeconds:0.0} s after the member was started again");

        var names = (await store.ListHostsAsync(CancellationToken.None)).Select(h => h.Name).ToHashSet();
        Assert.Equal(12, names.Count(n => n != "host-lost"));
        Assert.All(Enumerable.Range(0, 12), i => Assert.Contains($"host-{i}", names));
    }

    private static ClusterHostRecord Host(string name)
        => new() { Name = name, Role = ClusterRoles.Member, State = HostStates.Up, Endpoint = $"{name}:7443", Serial = "0A", Certificate = "PEM", JoinedAt = s_now };
}
