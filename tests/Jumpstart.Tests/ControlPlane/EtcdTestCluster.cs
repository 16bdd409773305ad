using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Jumpstart.Hostd.Cluster.Etcd;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>
/// A real etcd v3 cluster of N members (Debian's etcd-server) on loopback, TLS everywhere with certificates of a test
/// cluster CA (<see cref="CertificateAuthority"/>), client certificates required (--client-cert-auth, --peer-client-cert-auth).
/// Members can be killed (SIGKILL) and started again on their data directories.
/// </summary>
internal sealed class EtcdTestCluster : IDisposable
{
    private readonly TempDirectory _directory = new("etcd");
    private readonly Process?[] _members;
    private readonly int[] _clientPorts;
    private readonly int[] _peerPorts;

    private readonly string? _namespace;
    private readonly string? _address;

    /// <param name="members">How many members.</param>
    /// <param name="ns">A network namespace to run them in (their loopback), or null for this one's.</param>
    /// <param name="address">
    /// An address of that namespace the members also serve clients on (e.g. the cluster switch's, for managers in other
    /// namespaces): <see cref="Store"/> names it, and the members' certificate carries it as an IP SAN.
    /// </param>
    public EtcdTestCluster(int members, string? ns = null, string? address = null)
    {
        Requirements.RequireTool("etcd");
        _namespace = ns;
        _address = address;
        _members = new Process?[members];
        _clientPorts = [.. Enumerable.Range(0, members).Select(_ => FreePort())];
        _peerPorts = [.. Enumerable.Range(0, members).Select(_ => FreePort())];
        var now = DateTimeOffset.UtcNow;
        using var ca = CertificateAuthority.Create("etcd-test-ca", now);
        File.WriteAllText(CaFile, ca.Certificate.ExportCertificatePem());
        Issue(ca, "localhost", now, ServerCertificate, ServerKey, address);
        Issue(ca, "localhost", now, ClientCertificate, ClientKey);
        for (var i = 0; i < members; i++)
        {
            Start(i);
        }
    }

    public string CaFile => _directory.Combine("ca.crt");

    private string ServerCertificate => _directory.Combine("server.crt");

    private string ServerKey => _directory.Combine("server.key");

    private string ClientCertificate => _directory.Combine("client.crt");

    private string ClientKey => _directory.Combine("client.key");

    /// <summary>The client TLS files hostd would use.</summary>
    public EtcdTls Tls => new(CaFile, ClientCertificate, ClientKey);

    /// <summary><c>etcd://localhost:PORT,...</c>: every member.</summary>
    public string Store => EtcdEndpoints.Scheme + string.Join(',', _clientPorts.Select(p => $"{_address ?? "localhost"}:{p}"));

    public int ClientPort(int member) => _clientPorts[member];

    /// <summary>A new client of every member.</summary>
    public EtcdConnection Connect() => new(Store, Tls);

    /// <summary>A new client of <paramref name="store"/> (e.g. a relay in front of a member).</summary>
    public EtcdConnection Connect(string store) => new(store, Tls);

    public string Log(int member) => File.Exists(LogFile(member)) ? File.ReadAllText(LogFile(member)) : "";

    /// <summary>Starts member <paramref name="member"/> (again, on its data directory).</summary>
    public void Start(int member)
    {
        var cluster = string.Join(',', _peerPorts.Select((p, i) => $"m{i}=https://localhost:{p}"));
        string[] arguments =
        [
            "--name", $"m{member}",
            "--data-dir", _directory.Combine($"m{member}"),
            "--listen-client-urls", _address is null ? $"https://127.0.0.1:{_clientPorts[member]}" : $"https://127.0.0.1:{_clientPorts[member]},https://{_address}:{_clientPorts[member]}",
            "--advertise-client-urls", $"https://{_address ?? "localhost"}:{_clientPorts[member]}",
            "--listen-peer-urls", $"https://127.0.0.1:{_peerPorts[member]}",
            "--initial-advertise-peer-urls", $"https://localhost:{_peerPorts[member]}",
            "--initial-cluster", cluster,
            "--initial-cluster-state", "new",
            "--initial-cluster-token", Path.GetFileName(_directory.Path),
            "--cert-file", ServerCertificate, "--key-file", ServerKey, "--trusted-ca-file", CaFile, "--client-cert-auth",
            "--peer-cert-file", ServerCertificate, "--peer-key-file", ServerKey, "--peer-trusted-ca-file", CaFile, "--peer-client-cert-auth",
            "--heartbeat-interval", "100", "--election-timeout", "1000",
            "--logger", "zap", "--log-outputs", LogFile(member),
        ];
        var start = new ProcessStartInfo(_namespace is null ? Requirements.RequireTool("etcd") : Requirements.RequireTool("ip")) { UseShellExecute = false, RedirectStandardOutput = false, RedirectStandardError = false };
        string[] prefix = _namespace is null ? [] : ["netns", "exec", _namespace, Requirements.RequireTool("etcd")];
        foreach (var argument in prefix.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        _members[member] = Process.Start(start) ?? throw new InvalidOperationException("etcd did not start");
    }

    /// <summary>SIGKILL: the member stops at once, as when its host dies.</summary>
    public void Kill(int member)
    {
        if (_members[member] is { } process)
        {
            process.Kill();
            process.WaitForExit(10_000);
            process.Dispose();
            _members[member] = null;
        }
    }

    /// <summary>Waits until a write through every member's endpoint succeeds.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var connection = Connect();
        try
        {
            await Poll.UntilAsync(
                async ct =>
                {
                    try
                    {
                        await connection.Client.PutAsync("/health", "ok", deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: ct);
                        return true;
                    }
                    catch (Exception ex) when (ex is Grpc.Core.RpcException or HttpRequestException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
                    {
                        return false;
                    }
                },
                timeout,
                "the etcd cluster answers a write",
                TimeSpan.FromMilliseconds(200));
        }
        catch (TimeoutException ex)
        {
            // The log as it is when the wait failed (read once: it grows while etcd runs).
            var log = Log(0);
            throw new TimeoutException($"{ex.Message}; the end of m0's log: {log[^Math.Min(2000, log.Length)..]}", ex);
        }
    }

    public void Dispose()
    {
        for (var i = 0; i < _members.Length; i++)
        {
            Kill(i);
        }

        _directory.Dispose();
    }

    private string LogFile(int member) => _directory.Combine($"m{member}.log");

    private void Issue(CertificateAuthority ca, string name, DateTimeOffset now, string certificatePath, string keyPath, string? address = null)
    {
        using var key = ClusterCertificates.NewKey();
        using var certificate = address is null ? ca.Issue(key, name, now) : IssueWithAddress(ca, key, name, address, now);
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A server certificate naming <paramref name="name"/> and the IP <paramref name="address"/> (the CA's own Issue names DNS names only).</summary>
    private X509Certificate2 IssueWithAddress(CertificateAuthority ca, ECDsa key, string name, string address, DateTimeOffset now)
    {
        var files = new ClusterFiles(_directory.Combine("ca"));
        files.Prepare();
        ca.Save(files);
        using var caKey = ECDsa.Create();
        caKey.ImportFromPem(File.ReadAllText(files.CaKey));
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ClusterCertificates.ServerAuth, ClusterCertificates.ClientAuth], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        san.AddIpAddress(IPAddress.Parse(address));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, true, false));
        return request.Create(ca.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddMinutes(-5), now.AddDays(1), ClusterCertificates.NewSerial());
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
