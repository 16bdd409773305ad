using Jumpstart.Shared.Nbd.Protocol;
using Microsoft.Win32.SafeHandles;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>
/// What an <c>NbdServer</c> serves under one export name: a raw file, a pseudo image, ... The server
/// checks every request's range against <see cref="Size"/> and refuses writes to read-only exports
/// before calling in, so implementations see only valid requests. Calls may overlap: the server runs
/// requests from one connection (and from many connections) concurrently.
/// </summary>
/// <remarks>Failures a client should see as a request error throw <see cref="NbdErrorException"/>; any
/// other exception becomes <see cref="NbdError.Io"/> for that request (logged), never a dropped connection.</remarks>
public interface INbdExport
{
    /// <summary>Size in bytes; fixed while the export is served.</summary>
    long Size { get; }

    /// <summary>Whether writes are refused (EPERM) and <see cref="NbdTransmissionFlags.CanMultiConn"/> is advertised.</summary>
    bool ReadOnly { get; }

    /// <summary>Human-readable description for <c>NBD_INFO_DESCRIPTION</c> and <c>NBD_OPT_LIST</c>; may be empty.</summary>
    string Description { get; }

    /// <summary>Preferred block size for <c>NBD_INFO_BLOCK_SIZE</c> (a power of two, 512..65536).</summary>
    int PreferredBlockSize { get; }

    /// <summary>Fills <paramref name="destination"/> with the bytes at <paramref name="offset"/>. The whole buffer must be
    /// filled before returning: a server sends the reply header only after this completes.</summary>
    ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>Fills <paramref name="destination"/> now, on the calling thread, when the data is at hand (a page-cached
    /// file, a pseudo image's present extents); false, with nothing read and nothing recorded, when the read would have
    /// to wait (the server then calls <see cref="ReadAsync"/>). The server answers such reads on the connection's reader
    /// thread, with no task and no thread hop, gathering small replies into one send.</summary>
    bool TryRead(long offset, Span<byte> destination) => false;

    /// <summary>The file that holds the range at the same offsets, when its bytes can go to the client straight from
    /// the page cache (sendfile(2): no copy through the server's memory); null otherwise (the server then reads). As
    /// <see cref="TryRead"/>: non-null means the read is done as far as the export is concerned (counted, recorded).
    /// The server checks the file still covers the range before it sends the reply header.</summary>
    SafeFileHandle? FileFor(long offset, long length) => null;

    /// <summary>Writes at <paramref name="offset"/>; durable before returning when <paramref name="forceUnitAccess"/>.</summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool forceUnitAccess, CancellationToken cancellationToken);

    /// <summary>Makes completed writes durable.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>Hint (<c>NBD_CMD_CACHE</c>): bring this range close (a pseudo image fetches it); completes when done.</summary>
    ValueTask CacheAsync(long offset, long length, CancellationToken cancellationToken);

    /// <summary>The <c>base:allocation</c> status from <paramref name="offset"/> for up to <paramref name="length"/> bytes:
    /// at least one extent, none past the end, total length at most <paramref name="length"/>.</summary>
    ValueTask<IReadOnlyList<NbdExtent>> GetAllocationAsync(long offset, long length, CancellationToken cancellationToken);
}
