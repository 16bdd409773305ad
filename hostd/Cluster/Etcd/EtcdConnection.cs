using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Jumpstart.Hostd.Cluster.Identity;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>
/// One client of an etcd v3 cluster (dotnet-etcd over gRPC, TLS with a client certificate; the members' certificates
/// must chain to the given CA and name the endpoint's host). Every call has a deadline
/// (<see cref="OperationTimeout"/>); a failure becomes a <see cref="ClusterStoreException"/> that says what is wrong.
/// </summary>
/// <remarks>etcd v3 API: https://etcd.io/docs/v3.4/learning/api/ (KV Range/Txn, Lease, Watch, v3election).</remarks>
public sealed class EtcdConnection : IDisposable
{
    /// <summary>How long one call to etcd may take before it fails (a lost quorum makes writes hang until then).</summary>
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(5);

    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _client;

    public EtcdConnection(string store, EtcdTls tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        Endpoints = EtcdEndpoints.Parse(store);
        Description = $"etcd at {string.Join(',', Endpoints)}";
        try
        {
            _ca = X509Certificate2.CreateFromPem(File.ReadAllText(tls.CaCertificate));
            _client = ClusterCertificates.WithKey(File.ReadAllText(tls.ClientCertificate), File.ReadAllText(tls.ClientKey));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new ClusterStoreException($"cannot read the TLS files for {Description} ({tls.CaCertificate}, {tls.ClientCertificate}, {tls.ClientKey}): {ex.Message}", ex);
        }

        Client = new EtcdClient(
            string.Join(',', Endpoints.Select(e => "https://" + e)),
            ssl =>
            {
                ssl.ApplicationProtocols = [SslApplicationProtocol.Http2];
                ssl.ClientCertificates = [_client];
                ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(certificate, errors);
            });
    }

    /// <summary>The members' <c>HOST:PORT</c>.</summary>
    public IReadOnlyList<string> Endpoints { get; }

    /// <summary>For messages: <c>etcd at HOST:PORT,...</c>.</summary>
    public string Description { get; }

    /// <summary>The dotnet-etcd client (leases, elections and watches use it directly).</summary>
    public EtcdClient Client { get; }

    /// <summary>The deadline of a call starting now.</summary>
    public static DateTime Deadline() => DateTime.UtcNow + OperationTimeout;

    public static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);

    /// <summary>The end of the range of keys starting with <paramref name="prefix"/> (its last byte plus one).</summary>
    public static ByteString RangeEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }

    /// <summary>Every key under <paramref name="prefix"/>, in key order.</summary>
    public Task<RangeResponse> RangeAsync(string prefix, CancellationToken cancellationToken)
        => CallAsync(() => Client.GetAsync(new RangeRequest { Key = Bytes(prefix), RangeEnd = RangeEnd(prefix) }, deadline: Deadline(), cancellationToken: cancellationToken));

    /// <summary>One key, or null.</summary>
    public async Task<Mvccpb.KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var response = await CallAsync(() => Client.GetAsync(new RangeRequest { Key = Bytes(key) }, deadline: Deadline(), cancellationToken: cancellationToken));
        return response.Kvs.Count == 0 ? null : response.Kvs[0];
    }

    public Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken cancellationToken)
        => CallAsync(() => Client.TransactionAsync(request, deadline: Deadline(), cancellationToken: cancellationToken));

    /// <summary>Runs one call to etcd; gRPC failures become <see cref="ClusterStoreException"/>.</summary>
    /// <exception cref="ClusterStoreException">etcd did not answer in time, has no quorum, or refused the call.</exception>
    public async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            throw Failure(ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ClusterStoreException($"the cluster store ({Description}) is unreachable: {ex.Message}", ex);
        }
    }

    /// <summary>The typed error of a failed call.</summary>
    public ClusterStoreException Failure(RpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var what = ex.StatusCode switch
        {
            StatusCode.DeadlineExceeded => $"did not answer within {OperationTimeout.TotalSeconds:0} s (no quorum: are most of its members down?)",
            StatusCode.Unavailable => $"is unavailable (no member reachable, or no quorum): {ex.Status.Detail}",
            _ => $"refused the call ({ex.StatusCode}): {ex.Status.Detail}",
        };
        return new ClusterStoreException($"the cluster store ({Description}) {what}", ex);
    }

    /// <summary>A member's certificate must chain to the cluster CA alone and name the host that was asked for.</summary>
    private bool Trusted(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(presented);
    }

    public void Dispose()
    {
        Client.Dispose();
        _client.Dispose();
        _ca.Dispose();
    }
}
