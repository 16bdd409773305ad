using System.Net.Sockets;
using System.Threading.Channels;
using Jumpstart.Shared.JsonRpc.Framing;
using Jumpstart.Shared.JsonRpc.Protocol;

namespace Jumpstart.Shared.JsonRpc;

/// <summary>The single writer: frames queued messages and flushes when the queue runs dry.</summary>
public sealed partial class JsonRpcConnection
{
    /// <summary>Flush early once this much is buffered, so a busy queue does not grow one huge write.</summary>
    private const int FlushThresholdBytes = 64 * 1024;

    /// <summary>Queues one serialized message; false (message disposed) when the connection is closing.</summary>
    private async ValueTask<bool> EnqueueAsync(PooledBufferWriter message, CancellationToken cancellationToken)
    {
        try
        {
            if (!_outgoing.Writer.TryWrite(message))
            {
                await _outgoing.Writer.WriteAsync(message, cancellationToken);
            }

            return true;
        }
        catch (ChannelClosedException)
        {
            message.Dispose();
            return false;
        }
        catch (OperationCanceledException)
        {
            message.Dispose();
            throw;
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _outgoing.Reader;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var message))
                {
                    using (message)
                    {
                        HeaderDelimitedFrameWriter.Write(_writer, message.WrittenSpan);
                    }

                    if (_writer.UnflushedBytes >= FlushThresholdBytes)
                    {
                        await _writer.FlushAsync();
                    }
                }

                var flushed = await _writer.FlushAsync();
                if (flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            if (CloseReason == JsonRpcCloseReason.None)
            {
                JsonRpcLog.TransportFailed(_logger, ex);
                _ = ShutdownAsync(JsonRpcCloseReason.TransportError);
            }
        }
        finally
        {
            _outgoing.Writer.TryComplete();
            while (reader.TryRead(out var dropped))
            {
                dropped.Dispose();
            }

            try
            {
                await _writer.CompleteAsync();
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                // Completing flushes; on a transport that is already gone there is nothing left to flush to.
            }
        }
    }
}
