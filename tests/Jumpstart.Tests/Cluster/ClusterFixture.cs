using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// A <see cref="ClusterTestBed"/> shared by one test class: three hosts, host-a made the manager, and the first
/// <see cref="JoinedHosts"/> others joined. Nothing starts when root, <c>ip</c> or <c>openssl</c> is missing (the tests
/// then skip on a laptop and fail under CI=true through their <see cref="ToolFactAttribute"/>).
/// </summary>
public abstract class ClusterFixture : IAsyncLifetime
{
    private ClusterTestBed? _bed;

    /// <summary>How many hosts besides the manager join in the fixture.</summary>
    protected abstract int JoinedHosts { get; }

    /// <summary>Extra cluster settings of every node.</summary>
    protected virtual IReadOnlyDictionary<string, object>? ClusterConfig => null;

    /// <summary>Sees each node before its hostd first starts (e.g. to add a configuration section).</summary>
    protected virtual void Prepare(ClusterNode node)
    {
    }

    public ClusterTestBed Bed => _bed ?? throw new InvalidOperationException("the cluster test bed did not start (root, ip and openssl are needed)");

    public async Task InitializeAsync()
    {
        if (Requirements.SkipReason(["ip", "openssl"], needsRoot: true) is not null)
        {
            return;
        }

        _bed = await ClusterTestBed.StartAsync(3, ClusterConfig, Prepare);
        await _bed.InitAsync();
        for (var i = 1; i <= JoinedHosts; i++)
        {
            await _bed.JoinAsync(_bed.Nodes[i]);
        }

        foreach (var node in _bed.Nodes.Take(JoinedHosts + 1))
        {
            await _bed.WaitForStateAsync(node, "up", ClusterTestBed.UpBound);
        }
    }

    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }
}

/// <summary>host-a is the manager; host-b and host-c are in no cluster.</summary>
public sealed class ManagerOnlyClusterFixture : ClusterFixture
{
    protected override int JoinedHosts => 0;
}

/// <summary>host-a is the manager; host-b and host-c joined.</summary>
public sealed class JoinedClusterFixture : ClusterFixture
{
    protected override int JoinedHosts => 2;
}

/// <summary>host-a is the manager; host-b joined; host-c is in no cluster.</summary>
public sealed class PartlyJoinedClusterFixture : ClusterFixture
{
    protected override int JoinedHosts => 1;
}
