using System.Net;
using System.Net.Sockets;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Metadata;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace Jumpstart.Guestd.Cms;

/// <summary>
/// guestd's side of the CMS protocol (<see cref="CmsMethods"/>) over JSON-RPC on TCP. Every call is
/// safe to repeat (register is idempotent per instance), so a call that finds the CMS unreachable
/// or loses the connection reconnects with backoff and tries again, within the retry budget. When the
/// metadata names several CMS (<see cref="CmsEndpoint.Alternates"/>, one per manager sharing one etcd), each
/// failed attempt moves to the next one; a CMS that answers StoreUnavailable (its etcd lost quorum) counts as failed.
/// </summary>
public sealed partial class CmsClient(CmsEndpoint endpoint, CmsRetryPolicy retry, ILogger<CmsClient> logger) : IAsyncDisposable
{
    private readonly IReadOnlyList<(string Host, int Port)> _endpoints = endpoint.All();
    private int _current;
    private JsonRpcPeer? _connection;

    /// <summary>The CMS the next call goes to (host, port).</summary>
    public (string Host, int Port) Current => _endpoints[_current];

    public Task<RoleAssignment> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken)
        => CallAsync<RoleAssignment>(StepNames.Register, CmsMethods.Register, request, rpcTimeout: null, cancellationToken);

    /// <summary>One long-poll; the call may take up to the request's own timeout plus the attempt timeout.</summary>
    public Task<WaitResult> WaitAsync(WaitRequest request, CancellationToken cancellationToken)
        => CallAsync<WaitResult>(StepNames.WaitRole, CmsMethods.Wait, request, TimeSpan.FromMilliseconds(request.TimeoutMs), cancellationToken);

    public Task ReportAsync(ReportRequest request, CancellationToken cancellationToken)
        => CallAsync<object?>(StepNames.Report, CmsMethods.Report, request, rpcTimeout: null, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    private async Task<T> CallAsync<T>(string step, string method, object request, TimeSpan? rpcTimeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + retry.Budget;
        for (var attempt = 1; ; attempt++)
        {
            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptCts.CancelAfter((rpcTimeout ?? TimeSpan.Zero) + retry.AttemptTimeout);
            Exception failure;
            try
            {
                var connection = _connection ??= await ConnectAsync(attemptCts.Token);
                return await connection.InvokeAsync<T>(method, request, attemptCts.Token);
            }
            catch (Exception ex) when (IsTransient(ex) || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                failure = ex;
            }
            catch (RemoteInvocationException ex) when (ex.ErrorCode == CmsErrorCodes.StoreUnavailable)
            {
                // That CMS is up but its store (etcd) has no quorum: another manager's CMS, or a later try, may do.
                failure = ex;
            }
            catch (RemoteInvocationException ex)
            {
                // The CMS answered: a refusal (bad token, unknown deployment) does not get better by retrying.
                throw new GuestConfigException(step, $"the CMS refused {method}: {ex.Message} (code {ex.ErrorCode})", ex);
            }
            catch (RemoteRpcException ex)
            {
                // Any other answer that is not a result (an unknown method from a CMS of another version, a
                // malformed reply): a configuration failure of this step, never an exception that ends guestd.
                throw new GuestConfigException(step, $"the CMS could not answer {method}: {ex.Message}", ex);
            }

            await DisposeAsync();
            var (failedHost, failedPort) = Current;
            _current = (_current + 1) % _endpoints.Count;

            // Going round the list: back off once per round, not per endpoint.
            var delay = _current == 0 || _endpoints.Count == 1 ? retry.DelayAfter((attempt + _endpoints.Count - 1) / _endpoints.Count) : TimeSpan.Zero;
            if (DateTimeOffset.UtcNow + delay > deadline)
            {
                var tried = string.Join(", ", _endpoints.Select(e => $"{e.Host}:{e.Port}"));
                throw new CmsUnavailableException(step, $"the CMS at {tried} did not answer {method} within {retry.Budget.TotalSeconds:0} s ({attempt} attempts; last: {failure.Message})", failure);
            }

            LogRetry(logger, method, failedHost, failedPort, attempt, failure.Message, delay.TotalMilliseconds);
            await Task.Delay(delay, cancellationToken);
        }
    }

    private async Task<JsonRpcPeer> ConnectAsync(CancellationToken cancellationToken)
    {
        var (host, port) = Current;
        EndPoint target = IPAddress.TryParse(host, out var address)
            ? new IPEndPoint(address, port)
            : new DnsEndPoint(host, port);
        var connection = await JsonRpcClient.ConnectAsync(target, configure: null, options: null, logger: logger, cancellationToken);
        LogConnected(logger, host, port);
        return connection;
    }

    private static bool IsTransient(Exception ex)
        => ex is SocketException or ConnectionLostException or IOException or TimeoutException;

    [LoggerMessage(EventId = LogEventIds.GuestdCms.Connected, Level = LogLevel.Information, Message = "Connected to the CMS at {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(EventId = LogEventIds.GuestdCms.Retry, Level = LogLevel.Warning, Message = "{Method} to the CMS at {Host}:{Port} failed (attempt {Attempt}: {Reason}); retrying in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, string method, string host, int port, int attempt, string reason, double delayMs);
}
