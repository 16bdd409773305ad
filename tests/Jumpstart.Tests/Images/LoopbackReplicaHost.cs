using System.Diagnostics;
using Jumpstart.Hostd.Images;
using Jumpstart.Hostd.Images.Distribution;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Nbd.Server;

namespace Jumpstart.Tests.Images;

/// <summary>
/// The replica side of background deployment for one machine: each "host" is a reader loop reading the base
/// image through its own <see cref="ReplicaSet"/>; a replica is a real copy (ImageCopier from the real server)
/// served by its own NbdServer on a new unix socket; switching adds the replica to the hosts' sets and switches them live.
/// </summary>
internal sealed class LoopbackReplicaHost(string directory, NbdUri realServer, IReadOnlyDictionary<string, ReplicaSet> hosts) : IReplicaHost, IAsyncDisposable
{
    private readonly Dictionary<string, long> _reads = hosts.Keys.ToDictionary(h => h, _ => 0L);
    private readonly Dictionary<string, long> _lastReads = hosts.Keys.ToDictionary(h => h, _ => 0L);
    private readonly HashSet<string> _onReal = [.. hosts.Keys];
    private readonly List<(NbdServer Server, FileExport Export)> _replicas = [];
    private readonly Stopwatch _sinceLastLook = Stopwatch.StartNew();

    public NbdExportSet ReplicaExports { get; } = new();

    /// <summary>Counts one read by <paramref name="host"/> (the readers call this).</summary>
    public void CountRead(string host)
    {
        lock (_reads)
        {
            _reads[host]++;
        }
    }

    public ValueTask<IReadOnlyList<HostLoad>> HostsOnRealServerAsync(CancellationToken cancellationToken)
    {
        lock (_reads)
        {
            var seconds = Math.Max(_sinceLastLook.Elapsed.TotalSeconds, 1e-3);
            _sinceLastLook.Restart();
            var loads = _onReal.Select(h => new HostLoad(h, (_reads[h] - _lastReads[h]) / seconds)).ToList();
            foreach (var host in hosts.Keys)
            {
                _lastReads[host] = _reads[host];
            }

            return ValueTask.FromResult<IReadOnlyList<HostLoad>>(loads);
        }
    }

    public async ValueTask<string> StartReplicaAsync(int replicaNumber, CancellationToken cancellationToken)
    {
        var file = Path.Combine(directory, $"replica-{replicaNumber}.raw");
        await using (var source = await NbdClient.ConnectAsync(realServer, cancellationToken: cancellationToken))
        {
            await new ImageCopier().CopyAsync(source, file, new CopyOptions { Streams = 4 }, null, cancellationToken);
        }

        var export = FileExport.Open(file, readOnly: true);
        var name = $"replica-{replicaNumber}";
        ReplicaExports.Add(name, export);
        var socket = Path.Combine(directory, name + ".sock");
        _replicas.Add((NbdServer.ListenUnix(socket, ReplicaExports), export));
        return NbdUri.ForUnix(socket, name).ToString();
    }

    public ValueTask SwitchUpstreamAsync(string replica, IReadOnlyList<string> moving, CancellationToken cancellationToken)
    {
        var source = ReplicaSource.ForNbd(NbdUri.Parse(replica));
        foreach (var host in moving)
        {
            hosts[host].Add(source);
            hosts[host].SwitchTo(source.Name);
            lock (_reads)
            {
                _onReal.Remove(host);
            }
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (server, export) in _replicas)
        {
            await server.DisposeAsync();
            export.Dispose();
        }
    }
}
