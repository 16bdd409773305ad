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
    /// <summary>
    /// How long one operation may take in all before it fails: long enough to ride out an etcd leader election (a member
    /// lost), short enough that a lost quorum is reported instead of hanging.
    /// </summary>
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(10);

    /// <summary>One attempt's deadline; a transient failure (no leader yet, leader changed, timed out) is tried again until <see cref="OperationTimeout"/>.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(3);

    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _client;
    private readonly Lock _channelsLock = new();
    private readonly Grpc.Net.Client.GrpcChannel?[] _channels;
    private int _current;

    public EtcdConnection(string store, EtcdTls tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        Endpoints = EtcdEndpoints.Parse(store);
        _channels = new Grpc.Net.Client.GrpcChannel?[Endpoints.Count];
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

    /// <summary>
    /// A gRPC channel of its own to the current member, for the streams the library's wrappers do not fit (one lease
    /// keep-alive per heartbeat, a watch that stays open); <see cref="NextMember"/> moves on after a failure.
    /// </summary>
    public Grpc.Net.Client.GrpcChannel Channel()
    {
        lock (_channelsLock)
        {
            var index = _current % Endpoints.Count;
            return _channels[index] ??= Grpc.Net.Client.GrpcChannel.ForAddress(
                "https://" + Endpoints[index],
                new Grpc.Net.Client.GrpcChannelOptions
                {
                    HttpHandler = new SocketsHttpHandler
                    {
                        ConnectTimeout = AttemptTimeout,
                        KeepAlivePingDelay = TimeSpan.FromSeconds(2),
                        KeepAlivePingTimeout = TimeSpan.FromSeconds(2),
                        SslOptions = new SslClientAuthenticationOptions
                        {
                            ClientCertificates = [_client],
                            RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(certificate, errors),
                        },
                    },
                    DisposeHttpClient = true,
                });
        }
    }

    /// <summary>After a failure on <see cref="Channel"/>: the next call goes to the next member.</summary>
    public void NextMember()
    {
        lock (_channelsLock)
        {
            _current++;
        }
    }

    /// <summary>The deadline of an attempt starting now.</summary>
    public static DateTime Deadline() => DateTime.UtcNow + AttemptTimeout;

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
        => CallAsync(() => Client.GetAsync(new RangeRequest { Key = Bytes(prefix), RangeEnd = RangeEnd(prefix) }, deadline: Deadline(), cancellationToken: cancellationToken), cancellationToken);

    /// <summary>One key, or null.</summary>
    public async Task<Mvccpb.KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var response = await CallAsync(() => Client.GetAsync(new RangeRequest { Key = Bytes(key) }, deadline: Deadline(), cancellationToken: cancellationToken), cancellationToken);
        return response.Kvs.Count == 0 ? null : response.Kvs[0];
    }

    public Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken cancellationToken)
        => CallAsync(() => Client.TransactionAsync(request, deadline: Deadline(), cancellationToken: cancellationToken), cancellationToken);

    /// <summary>
    /// Runs one call to etcd (each attempt with its own <see cref="Deadline"/>), trying again after a transient failure
    /// until <see cref="OperationTimeout"/>; gRPC failures become <see cref="ClusterStoreException"/>.
    /// </summary>
    /// <remarks>
    /// A timed-out write may have been applied: callers retry only idempotent puts, or Txns whose compares make the second
    /// try see the first one's effect.
    /// </remarks>
    /// <exception cref="ClusterStoreException">etcd did not answer in time, has no quorum, or refused the call.</exception>
    public async Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var giveUp = DateTime.UtcNow + OperationTimeout;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException ex) when (Transient(ex) && DateTime.UtcNow + TimeSpan.FromMilliseconds(200) < giveUp)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Grpc.Net.Client sometimes reports a passed deadline as a cancellation rather than DeadlineExceeded.
                if (DateTime.UtcNow + TimeSpan.FromMilliseconds(200) >= giveUp)
                {
                    throw Failure(new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline exceeded", ex)));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
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
    }

    /// <summary>No leader yet, the leader changed, a member or the call timed out: another attempt may succeed.</summary>
    /// <remarks>
    /// etcd maps "no leader" and "leader changed" to Unavailable, and answers a proposal it could not commit in time with
    /// Unknown "context deadline exceeded" (api/v3rpc/rpctypes).
    /// </remarks>
    private static bool Transient(RpcException ex)
        => ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
            || (ex.StatusCode == StatusCode.Unknown && (ex.Status.Detail.Contains("deadline exceeded", StringComparison.OrdinalIgnoreCase)
                || ex.Status.Detail.Contains("timed out", StringComparison.OrdinalIgnoreCase)));

    /// <summary>The typed error of a failed call.</summary>
    public ClusterStoreException Failure(RpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var what = Transient(ex)
            ? $"did not commit within {OperationTimeout.TotalSeconds:0} s (no member reachable, or no quorum: are most of its members down?): {ex.Status.Detail}"
            : $"refused the call ({ex.StatusCode}): {ex.Status.Detail}";
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
        lock (_channelsLock)
        {
            foreach (var channel in _channels)
            {
                channel?.Dispose();
            }
        }

        Client.Dispose();
        _client.Dispose();
        _ca.Dispose();
    }
}
