using Jumpstart.Shared.Nbd.Protocol;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>Every log line of the NBD server, declared once. Event ids 7000-7049.</summary>
internal static partial class NbdLog
{
    [LoggerMessage(EventId = LogEventIds.Nbd.Listening, Level = LogLevel.Information, Message = "NBD server listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string endPoint);

    [LoggerMessage(EventId = LogEventIds.Nbd.StaleSocketReplaced, Level = LogLevel.Information, Message = "NBD server replaced a stale unix socket at {Path}")]
    public static partial void StaleSocketReplaced(ILogger logger, string path);

    [LoggerMessage(EventId = LogEventIds.Nbd.AcceptFailed, Level = LogLevel.Warning, Message = "NBD server could not accept a connection: {Error} ({Reason}; {HeldBack} more failures since the last such line)")]
    public static partial void AcceptFailed(ILogger logger, string error, string reason, long heldBack);

    [LoggerMessage(EventId = LogEventIds.Nbd.TooManyConnections, Level = LogLevel.Warning, Message = "NBD server refuses connections: {Reason} ({HeldBack} more refused since the last such line; logged at most once a second)")]
    public static partial void ConnectionRefused(ILogger logger, string reason, long heldBack);

    /// <remarks>A warning when the process's descriptor budget lowered the configured cap (the unit's LimitNOFILE is too small for it).</remarks>
    [LoggerMessage(EventId = LogEventIds.Nbd.ConnectionCap, Message = "NBD server accepts {Limit}, {PerSource} per TCP source address")]
    public static partial void ConnectionCap(ILogger logger, LogLevel level, string limit, int perSource);

    [LoggerMessage(EventId = LogEventIds.Nbd.ReplyStalled, Level = LogLevel.Warning, Message = "NBD connection {Connection} closed: the client has not read a reply for {Seconds} s")]
    public static partial void ReplyStalled(ILogger logger, long connection, double seconds);

    [LoggerMessage(EventId = LogEventIds.Nbd.ProtocolViolation, Level = LogLevel.Warning, Message = "NBD connection {Connection} dropped: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, long connection, string reason);

    [LoggerMessage(EventId = LogEventIds.Nbd.PeerClosed, Level = LogLevel.Debug, Message = "NBD connection {Connection} closed by the peer")]
    public static partial void PeerClosed(ILogger logger, long connection);

    [LoggerMessage(EventId = LogEventIds.Nbd.TransmissionStarted, Level = LogLevel.Debug, Message = "NBD connection {Connection} serves export '{Export}' (structured replies: {Structured}, base:allocation: {BaseAllocation})")]
    public static partial void TransmissionStarted(ILogger logger, long connection, string export, bool structured, bool baseAllocation);

    [LoggerMessage(EventId = LogEventIds.Nbd.OptionRefused, Level = LogLevel.Debug, Message = "NBD connection {Connection}: option {Option} answered {Reply}")]
    public static partial void OptionRefused(ILogger logger, long connection, uint option, NbdOptionReplyType reply);

    [LoggerMessage(EventId = LogEventIds.Nbd.RequestFailed, Level = LogLevel.Error, Message = "NBD connection {Connection}: {Command} at {Offset} (+{Length}) on '{Export}' failed; answered EIO")]
    public static partial void RequestFailed(ILogger logger, long connection, NbdCommand command, ulong offset, uint length, string export, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Nbd.ConnectionFailed, Level = LogLevel.Warning, Message = "NBD connection {Connection} failed")]
    public static partial void ConnectionFailed(ILogger logger, long connection, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Nbd.HandshakeTimedOut, Level = LogLevel.Debug, Message = "NBD connection {Connection}: handshake timed out")]
    public static partial void HandshakeTimedOut(ILogger logger, long connection);

    [LoggerMessage(EventId = LogEventIds.Nbd.Disconnected, Level = LogLevel.Debug, Message = "NBD connection {Connection} disconnected by request")]
    public static partial void Disconnected(ILogger logger, long connection);
}
