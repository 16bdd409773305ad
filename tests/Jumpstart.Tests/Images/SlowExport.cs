using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Nbd;
using Microsoft.Win32.SafeHandles;

namespace Jumpstart.Tests.Images;

/// <summary>
/// A real export behind a server of limited capacity: one read at a time, each taking at least
/// <paramref name="serviceTime"/>, so latency grows with the number of busy readers (queueing), as at an
/// overloaded real image server.
/// </summary>
internal sealed class SlowExport(INbdExport inner, TimeSpan serviceTime) : ForwardingExport(inner), IDisposable
{
    private readonly SemaphoreSlim _disk = new(1, 1);

    /// <summary>Never at once: every read queues for the one "disk".</summary>
    public override bool TryRead(long offset, Span<byte> destination) => false;

    public override SafeFileHandle? FileFor(long offset, long length) => null;

    public override async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        await _disk.WaitAsync(cancellationToken);
        try
        {
            await Task.Delay(serviceTime, cancellationToken);
            await base.ReadAsync(offset, destination, cancellationToken);
        }
        finally
        {
            _disk.Release();
        }
    }

    public void Dispose() => _disk.Dispose();
}
