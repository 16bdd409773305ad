using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Hostd.Cluster.Identity;

namespace Jumpstart.Bench.Cms;

/// <summary>
/// A real etcd (Debian's etcd-server) of one or three members on loopback for the bench, TLS with a throw-away CA and
/// client certificates required, as the manager runs it; killed and removed on dispose.
/// </summary>
internal sealed class BenchEtcd : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("jumpstart-bench-etcd-");
    private readonly List<Process> _members = [];
    private readonly int[] _clientPorts;

    public BenchEtcd(int members)
    {
        var etcd = new[] { "/usr/bin/etcd", "/usr/local/bin/etcd" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("etcd is not installed (Debian: etcd-server)");
        _clientPorts = [.. Enumerable.Range(0, members).Select(_ => FreePort())];
        var peerPorts = Enumerable.Range(0, members).Select(_ => FreePort()).ToArray();
        var now = DateTimeOffset.UtcNow;
        using (var ca = CertificateAuthority.Create("bench-etcd-ca", now))
        {
            File.WriteAllText(Tls.CaCertificate, ca.Certificate.ExportCertificatePem());
            Issue(ca, now, Path("server.crt"), Path("server.key"));
            Issue(ca, now, Tls.ClientCertificate, Tls.ClientKey);
        }

        var cluster = string.Join(',', peerPorts.Select((p, i) => $"m{i}=https://localhost:{p}"));
        for (var m = 0; m < members; m++)
        {
            var start = new ProcessStartInfo(etcd) { UseShellExecute = false };
            foreach (var argument in new[]
            {
                "--name", $"m{m}", "--data-dir", Path($"m{m}"),
                "--listen-client-urls", $"https://127.0.0.1:{_clientPorts[m]}", "--advertise-client-urls", $"https://localhost:{_clientPorts[m]}",
                "--listen-peer-urls", $"https://127.0.0.1:{peerPorts[m]}", "--initial-advertise-peer-urls", $"https://localhost:{peerPorts[m]}",
                "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", _directory.Name,
                "--cert-file", Path("server.crt"), "--key-file", Path("server.key"), "--trusted-ca-file", Tls.CaCertificate, "--client-cert-auth",
                "--peer-cert-file", Path("server.crt"), "--peer-key-file", Path("server.key"), "--peer-trusted-ca-file", Tls.CaCertificate, "--peer-client-cert-auth",
                "--logger", "zap", "--log-outputs", Path($"m{m}.log"),
            })
            {
                start.ArgumentList.Add(argument);
            }

            _members.Add(Process.Start(start) ?? throw new InvalidOperationException("etcd did not start"));
        }
    }

    public EtcdTls Tls => new(Path("ca.crt"), Path("client.crt"), Path("client.key"));

    public string Store => EtcdEndpoints.Scheme + string.Join(',', _clientPorts.Select(p => $"localhost:{p}"));

    /// <summary>Waits until a write succeeds.</summary>
    public async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        using var connection = new EtcdConnection(Store, Tls);
        var giveUp = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await connection.Client.PutAsync("/health", "ok", deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
                return;
            }
            catch (Exception ex) when ((ex is Grpc.Core.RpcException or HttpRequestException || ex is OperationCanceledException) && !cancellationToken.IsCancellationRequested && DateTime.UtcNow < giveUp)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    public void Dispose()
    {
        foreach (var member in _members)
        {
            member.Kill();
            member.WaitForExit(10_000);
            member.Dispose();
        }

        _directory.Delete(recursive: true);
    }

    private string Path(string name) => System.IO.Path.Combine(_directory.FullName, name);

    private static void Issue(CertificateAuthority ca, DateTimeOffset now, string certificatePath, string keyPath)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        using var certificate = ca.Issue(key, "localhost", now);
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
