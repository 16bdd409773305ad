using System.Net;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Cms;

/// <summary>A real <see cref="CmsServer"/> on a loopback TCP port (and a unix socket) in a per-test directory.</summary>
internal sealed class CmsServerFixture : IAsyncDisposable
{
    private CmsServerFixture(TempDirectory directory, CmsServer server, CmsOptions options)
    {
        Directory = directory;
        Server = server;
        Options = options;
    }

    public TempDirectory Directory { get; }

    public CmsServer Server { get; private set; }

    public CmsOptions Options { get; }

    public IPEndPoint EndPoint => Server.TcpEndPoint;

    public string AdminToken => AdminTokenFile.Read(Options.AdminTokenFile);

    public static async Task<CmsServerFixture> StartAsync(int maxWaitMs = 30_000)
    {
        var directory = new TempDirectory("cms-server");
        var options = new CmsOptions
        {
            Enabled = true,
            Listen = "127.0.0.1:0",
            DatabasePath = directory.Combine("state", "cms.db"),
            AdminTokenFile = directory.Combine("state", "admin.token"),
            UnixSocketPath = directory.Combine("cms.sock"),
            MaxWaitMs = maxWaitMs,
        };
        return new CmsServerFixture(directory, await CmsServer.StartAsync(options), options);
    }

    /// <summary>Stops the server and starts it again on the same files (a new port).</summary>
    public async Task RestartAsync()
    {
        await Server.DisposeAsync();
        Server = await CmsServer.StartAsync(Options);
    }

    public Task<JsonRpcPeer> ConnectAsync() => JsonRpcClient.ConnectAsync(EndPoint);

    public async Task<CmsAdminClient> AdminAsync() => await CmsAdminClient.ConnectAsync(EndPoint, AdminToken, CancellationToken.None);

    public async Task CreateAsync(DeploymentSpec spec)
    {
        await using var admin = await AdminAsync();
        await admin.CreateAsync(spec, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Dispose();
    }
}
