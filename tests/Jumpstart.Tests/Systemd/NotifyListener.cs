using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;
using Jumpstart.Shared.Systemd;

namespace Jumpstart.Tests.Systemd;

/// <summary>One datagram systemd's side received, decoded.</summary>
public sealed record NotifyMessage(IReadOnlyList<KeyValuePair<string, string>> Assignments, long ReceivedTimestamp)
{
    public string? Get(string key) => Assignments.LastOrDefault(a => a.Key == key) is { Key: not null } found ? found.Value : null;

    public bool Has(string key, string value) => Assignments.Any(a => a.Key == key && a.Value == value);

    public override string ToString() => string.Join("\\n", Assignments.Select(a => $"{a.Key}={a.Value}"));
}

/// <summary>
/// Plays systemd's side of NOTIFY_SOCKET: a unix datagram socket bound at a path or an abstract
/// name, collecting every message a daemon sends. Every wait is bounded.
/// </summary>
public sealed class NotifyListener : IDisposable
{
    private const int MaxDatagram = 64 * 1024;
    private const int MaxQueued = 4096;

    private readonly Socket _socket;
    private readonly Channel<NotifyMessage> _messages = Channel.CreateBounded<NotifyMessage>(new BoundedChannelOptions(MaxQueued)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
    });

    private readonly List<NotifyMessage> _history = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;

    private NotifyListener(string socketPath, string address)
    {
        Address = address;
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        _receiving = ReceiveLoopAsync(_stop.Token);
    }

    /// <summary>The value for the daemon's NOTIFY_SOCKET.</summary>
    public string Address { get; }

    /// <summary>Everything received so far, in order.</summary>
    public IReadOnlyList<NotifyMessage> History
    {
        get
        {
            lock (_lock)
            {
                return [.. _history];
            }
        }
    }

    public static NotifyListener AtPath(string path) => new(path, path);

    public static NotifyListener Abstract()
    {
        var name = $"jumpstart-test-notify-{Guid.NewGuid():N}";
        return new NotifyListener("\0" + name, "@" + name);
    }

    /// <summary>Consumes messages in order until one matches; fails with the history after <paramref name="timeout"/>.</summary>
    public async Task<NotifyMessage> WaitForAsync(Func<NotifyMessage, bool> predicate, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var message = await _messages.Reader.ReadAsync(deadline.Token);
                if (predicate(message))
                {
                    return message;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"no {what} within {timeout.TotalSeconds} s; received: [{string.Join(" | ", History)}]");
        }
    }

    public Task<NotifyMessage> WaitForAsync(string key, string value, TimeSpan timeout)
        => WaitForAsync(m => m.Has(key, value), timeout, $"{key}={value}");

    /// <summary>
    /// Consumes messages until READY=1 and returns the status <c>systemctl status</c> shows at that
    /// moment: the last STATUS= received up to and including the READY=1 message (the host sends
    /// its status line just before the lifetime's READY=1, or with it after a reload).
    /// </summary>
    public async Task<string?> WaitForReadyStatusAsync(TimeSpan timeout)
    {
        string? status = null;
        await WaitForAsync(
            m =>
            {
                status = m.Get(SystemdNotifyMessage.StatusKey) ?? status;
                return m.Has(SystemdNotifyMessage.ReadyKey, "1");
            },
            timeout,
            "READY=1");
        return status;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxDatagram];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var length = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                var message = new NotifyMessage(SystemdNotifyMessage.Decode(buffer.AsSpan(0, length)), Stopwatch.GetTimestamp());
                lock (_lock)
                {
                    _history.Add(message);
                }

                _messages.Writer.TryWrite(message);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Disposed by the test.
        }
    }
}
