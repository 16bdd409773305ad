using System.Net.Sockets;
using System.Text;
using Jumpstart.Hostd.Store.Protocol;

namespace Jumpstart.Hostd.Store.Server;

/// <summary>The unauthenticated phase: from accept to an answered Hello.</summary>
public sealed partial class BlockServer
{
    /// <summary>
    /// Reads the first request, which must be a Hello, within <see cref="BlockServerOptions.HelloTimeout"/>, and answers it.
    /// Returns the peer, holding a <see cref="PeerSlots"/> place, or null after a refusal (the connection then closes).
    /// </summary>
    /// <remarks>
    /// Nothing is read or allocated beyond the 8-byte header until the header says Hello, and a Hello's id and token
    /// are bounded by <see cref="BlockProtocol.ParseRequestHeader"/> (64 + 256 bytes): a stranger that claims an 8 MiB
    /// Put body is refused from the header, and its body is never read.
    /// </remarks>
    private async Task<string?> AuthenticateAsync(NetworkStream stream, byte[] header, HelloSlot slot, string remote, CancellationToken cancellationToken)
    {
        using var hello = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hello.CancelAfter(_options.HelloTimeout);
        if (await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, hello.Token) < header.Length)
        {
            StoreLog.HelloDropped(_logger, remote, "closed before a whole header");
            return null;
        }

        BlockOp op;
        int idLength, tokenLength;
        try
        {
            (op, idLength, tokenLength) = BlockProtocol.ParseRequestHeader(header);
        }
        catch (BlockProtocolException ex)
        {
            await RefuseAsync(stream, remote, BlockStatus.BadRequest, ex.Message, hello.Token);
            return null;
        }

        if (op != BlockOp.Hello)
        {
            await RefuseAsync(stream, remote, BlockStatus.Denied, $"{op} before Hello", hello.Token);
            return null;
        }

        var body = new byte[idLength + tokenLength];
        await stream.ReadExactlyAsync(body, hello.Token);
        var peer = _options.Peers.Authenticate(body.AsSpan(idLength));
        if (peer is null)
        {
            await RefuseAsync(stream, remote, BlockStatus.Denied, "wrong token", hello.Token);
            return null;
        }

        // A peer is no longer a stranger a newer connection may evict.
        _hellos.Leave(slot);
        if (_peers.TryEnter(peer) is { } full)
        {
            await RefuseAsync(stream, remote, BlockStatus.Failed, full, hello.Token);
            return null;
        }

        try
        {
            await RespondAsync(stream, BlockStatus.Ok, ReadOnlyMemory<byte>.Empty, hello.Token);
            return peer;
        }
        catch
        {
            _peers.Leave(peer);
            throw;
        }
    }

    /// <summary>Logs a refusal and answers it; the caller closes the connection.</summary>
    private async Task RefuseAsync(NetworkStream stream, string remote, BlockStatus status, string reason, CancellationToken cancellationToken)
    {
        StoreLog.Refused(_logger, remote, reason);
        var text = Encoding.UTF8.GetBytes(status == BlockStatus.Denied ? "denied" : reason);
        await RespondAsync(stream, status, text.AsMemory(0, Math.Min(text.Length, BlockProtocol.MaxReasonLength)), cancellationToken);
    }
}
