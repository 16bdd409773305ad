using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Hostd.Qmp;

/// <summary>
/// A client of the QEMU Machine Protocol on a unix socket: reads the greeting, negotiates with
/// <c>qmp_capabilities</c>, runs commands (matched to answers by <c>id</c>) and fans events out to
/// subscribers. <see cref="Completion"/> finishes when QEMU closes the socket, which is how hostd
/// learns that a VM died.
/// </summary>
/// <remarks>
/// QEMU's docs/interop/qmp-spec (QMP 1.0, unchanged through 7.2): section 2.2 greeting
/// <c>{"QMP": {"version": ..., "capabilities": [...]}}</c>; 4 capabilities negotiation (only
/// <c>qmp_capabilities</c> is accepted before it); 2.3 commands <c>{"execute", "arguments", "id"}</c>;
/// 2.4 answers <c>{"return"}</c> or <c>{"error"}</c> carrying the same id; 2.5 asynchronous events
/// <c>{"event", "data", "timestamp": {"seconds", "microseconds"}}</c>. Every message is one JSON
/// object per line.
/// </remarks>
public sealed partial class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly QmpLineReader _reader;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, PendingCommand> _pending = new();
    private readonly Lock _subscribersLock = new();
    private readonly List<QmpEventSubscription> _subscribers = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();
    private readonly ILogger _logger;
    private readonly string _socketPath;
    private Exception? _closeReason;
    private Task _readLoop = Task.CompletedTask;
    private long _nextId;

    private QmpClient(Socket socket, string socketPath, ILogger logger)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new QmpLineReader(_stream);
        _socketPath = socketPath;
        _logger = logger;
    }

    /// <summary>QEMU's greeting.</summary>
    public QmpGreeting Greeting { get; private set; } = new(0, 0, 0, string.Empty, []);

    /// <summary>Completes when the connection closes, for whatever reason (never faults).</summary>
    public Task Completion => _completion.Task;

    /// <summary>True once the socket closed.</summary>
    public bool IsClosed => _completion.Task.IsCompleted;

    /// <summary>Bound on each command's answer unless a call gives its own.</summary>
    public TimeSpan CommandTimeout { get; init; } = QmpLimits.DefaultCommandTimeout;

    /// <summary>Connects, reads the greeting and leaves capabilities-negotiation mode.</summary>
    /// <exception cref="SocketException">Nothing listens on <paramref name="socketPath"/>.</exception>
    /// <exception cref="QmpException">The peer is not a QMP server, or it did not answer in time.</exception>
    public static async Task<QmpClient> ConnectAsync(string socketPath, ILogger? logger = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        var bound = timeout ?? QmpLimits.DefaultConnectTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(bound);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new QmpTimeoutException($"connecting to {socketPath}", bound);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new QmpClient(socket, socketPath, logger ?? NullLogger.Instance);
        try
        {
            var greeting = await client._reader.ReadLineAsync(deadline.Token)
                ?? throw new QmpProtocolException($"{socketPath} closed before the QMP greeting (another client may hold it)");
            client.Greeting = ParseGreeting(greeting);
            client._readLoop = Task.Run(client.ReadLoopAsync, CancellationToken.None);
            await client.ExecuteAsync("qmp_capabilities", cancellationToken: deadline.Token);
            QmpLog.Connected(client._logger, socketPath, client.Greeting.Version);
            return client;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await client.DisposeAsync();
            throw new QmpTimeoutException($"connecting to {socketPath}", bound);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command and returns its <c>return</c> member.</summary>
    /// <exception cref="QmpCommandException">QEMU refused the command.</exception>
    /// <exception cref="QmpTimeoutException">No answer within the bound.</exception>
    /// <exception cref="QmpConnectionClosedException">QEMU went away.</exception>
    public async Task<JsonElement> ExecuteAsync(string command, object? arguments = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        var id = Interlocked.Increment(ref _nextId);
        var pending = new PendingCommand(command);
        _pending[id] = pending;
        var bound = timeout ?? CommandTimeout;
        try
        {
            if (_closeReason is { } closed)
            {
                throw new QmpConnectionClosedException($"QMP {_socketPath} is closed", closed);
            }

            // One write with the newline: QEMU acts on the closing brace, so after a split write a
            // `quit` could close the socket before the newline goes out.
            var json = JsonSerializer.SerializeToUtf8Bytes(new QmpRequest(command, arguments, id), QmpJson.Options);
            var payload = new byte[json.Length + 1];
            json.CopyTo(payload, 0);
            payload[^1] = (byte)'\n';
            QmpLog.Sending(_logger, _socketPath, command);
            await _writeLock.WaitAsync(cancellationToken);
            try
            {
                await _stream.WriteAsync(payload, cancellationToken);
            }
            catch (IOException ex)
            {
                throw new QmpConnectionClosedException($"QMP {_socketPath}: cannot send {command}", ex);
            }
            finally
            {
                _writeLock.Release();
            }

            return await pending.Answer.Task.WaitAsync(bound, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new QmpTimeoutException($"the answer to {command}", bound);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Runs a command and deserializes its <c>return</c> member.</summary>
    public async Task<T> ExecuteAsync<T>(string command, object? arguments = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var result = await ExecuteAsync(command, arguments, timeout, cancellationToken);
        return result.Deserialize<T>(QmpJson.Options) ?? throw new QmpProtocolException($"{command} returned null");
    }

    /// <summary>Starts receiving events. Dispose the subscription when done.</summary>
    public QmpEventSubscription Subscribe()
    {
        var subscription = new QmpEventSubscription(Unsubscribe);
        lock (_subscribersLock)
        {
            if (_closeReason is { } reason)
            {
                subscription.Complete(new QmpConnectionClosedException($"QMP {_socketPath} is closed", reason));
            }
            else
            {
                _subscribers.Add(subscription);
            }
        }

        return subscription;
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        _socket.Dispose();
        try
        {
            await _readLoop;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The read loop reports its own end through Close.
        }

        Close(new ObjectDisposedException(nameof(QmpClient)), "disposed");
        await _stream.DisposeAsync();
        _writeLock.Dispose();
        _closing.Dispose();
    }

    private static QmpGreeting ParseGreeting(ReadOnlyMemory<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (!document.RootElement.TryGetProperty("QMP", out var qmp) || !qmp.TryGetProperty("version", out var version))
            {
                throw new QmpProtocolException($"expected a QMP greeting, got: {Truncate(line)}");
            }

            var qemu = version.GetProperty("qemu");
            var capabilities = qmp.TryGetProperty("capabilities", out var caps) && caps.ValueKind == JsonValueKind.Array
                ? caps.EnumerateArray().Select(c => c.GetString() ?? string.Empty).ToArray()
                : [];
            return new QmpGreeting(
                qemu.GetProperty("major").GetInt32(),
                qemu.GetProperty("minor").GetInt32(),
                qemu.GetProperty("micro").GetInt32(),
                version.TryGetProperty("package", out var package) ? package.GetString() ?? string.Empty : string.Empty,
                capabilities);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new QmpProtocolException($"malformed QMP greeting: {Truncate(line)}", ex);
        }
    }

    private static string Truncate(ReadOnlyMemory<byte> line)
    {
        const int MaxShown = 200;
        return Encoding.UTF8.GetString(line.Span[..Math.Min(line.Length, MaxShown)]);
    }

    private async Task ReadLoopAsync()
    {
        Exception reason;
        try
        {
            while (await _reader.ReadLineAsync(_closing.Token) is { } line)
            {
                Dispatch(line);
            }

            reason = new QmpConnectionClosedException($"QEMU closed {_socketPath}");
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            reason = new QmpConnectionClosedException($"QMP {_socketPath} closed: {ex.Message}", ex);
        }
        catch (QmpProtocolException ex)
        {
            reason = ex;
        }

        Close(reason, reason.Message);
    }

    private void Dispatch(ReadOnlyMemory<byte> line)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(line);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new QmpProtocolException($"malformed QMP message: {Truncate(line)}", ex);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new QmpProtocolException($"a QMP message is not an object: {Truncate(line)}");
        }

        if (root.TryGetProperty("event", out var name) && name.ValueKind == JsonValueKind.String)
        {
            PublishEvent(root, name.GetString()!);
            return;
        }

        if (!root.TryGetProperty("id", out var idElement) || !idElement.TryGetInt64(out var id))
        {
            throw new QmpProtocolException($"a QMP answer without a numeric id: {Truncate(line)}");
        }

        if (!_pending.TryGetValue(id, out var pending))
        {
            QmpLog.UnknownId(_logger, _socketPath, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return;
        }

        if (root.TryGetProperty("error", out var error))
        {
            pending.Answer.TrySetException(QmpCommandException.FromError(pending.Command, error));
        }
        else if (root.TryGetProperty("return", out var result))
        {
            pending.Answer.TrySetResult(result);
        }
        else
        {
            pending.Answer.TrySetException(new QmpProtocolException($"the answer to {pending.Command} has neither return nor error"));
        }
    }

    private void PublishEvent(JsonElement root, string name)
    {
        var data = root.TryGetProperty("data", out var d) ? d : default;
        var timestamp = DateTimeOffset.UnixEpoch;
        if (root.TryGetProperty("timestamp", out var ts)
            && ts.TryGetProperty("seconds", out var seconds) && seconds.TryGetInt64(out var s)
            && ts.TryGetProperty("microseconds", out var micros) && micros.TryGetInt64(out var us))
        {
            timestamp = DateTimeOffset.FromUnixTimeSeconds(s).AddTicks(us * TimeSpan.TicksPerMicrosecond);
        }

        QmpLog.Event(_logger, _socketPath, name);
        var qmpEvent = new QmpEvent(name, data, timestamp);
        lock (_subscribersLock)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Publish(qmpEvent);
            }
        }
    }

    private void Close(Exception reason, string text)
    {
        List<QmpEventSubscription> subscribers;
        lock (_subscribersLock)
        {
            if (_closeReason is not null)
            {
                return;
            }

            _closeReason = reason;
            subscribers = [.. _subscribers];
            _subscribers.Clear();
        }

        QmpLog.Closed(_logger, _socketPath, text);
        var closed = reason as QmpException ?? new QmpConnectionClosedException($"QMP {_socketPath} closed", reason);
        foreach (var subscriber in subscribers)
        {
            subscriber.Complete(closed);
        }

        foreach (var pending in _pending.Values)
        {
            pending.Answer.TrySetException(closed);
        }

        _completion.TrySetResult();
    }

    private void Unsubscribe(QmpEventSubscription subscription)
    {
        lock (_subscribersLock)
        {
            _subscribers.Remove(subscription);
        }
    }

    private sealed record PendingCommand(string Command)
    {
        public TaskCompletionSource<JsonElement> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record QmpRequest(string Execute, object? Arguments, long Id);
}
