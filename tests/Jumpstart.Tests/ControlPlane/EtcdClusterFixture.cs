using Xunit;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>One single-member etcd (TLS) for a test class; each test takes its own key prefix.</summary>
public sealed class EtcdClusterFixture : IAsyncLifetime
{
    private EtcdTestCluster? _cluster;

    internal EtcdTestCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        if (Support.Requirements.FindTool("etcd") is null && !Support.Requirements.InCi)
        {
            return;
        }

        _cluster = new EtcdTestCluster(1);
        await _cluster.WaitHealthyAsync(TimeSpan.FromSeconds(30));
    }

    public Task DisposeAsync()
    {
        _cluster?.Dispose();
        return Task.CompletedTask;
    }
}
