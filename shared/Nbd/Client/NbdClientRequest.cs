using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Shared.Nbd.Client;

/// <summary>
/// One request of an <see cref="NbdClient"/> waiting for its reply. The reader loop writes read data straight
/// into <see cref="Destination"/>; a caller that gives up (cancellation) marks the request abandoned, after which
/// the loop drains the data instead of touching a buffer the caller may have reused.
/// </summary>
internal sealed class NbdClientRequest(NbdCommand command, long offset, uint length, Memory<byte> destination, List<NbdExtent>? extents)
{
    private const int Waiting = 0;
    private const int Receiving = 1;
    private const int Abandoned = 2;
    private int _state;

    public NbdCommand Command { get; } = command;

    public long Offset { get; } = offset;

    public uint Length { get; } = length;

    public Memory<byte> Destination { get; } = destination;

    /// <summary>Where block-status extents go (for <see cref="NbdCommand.BlockStatus"/>).</summary>
    public List<NbdExtent>? Extents { get; } = extents;

    /// <summary>Total extent length collected so far (clipped to <see cref="Length"/>).</summary>
    public long ExtentBytes { get; set; }

    /// <summary>Bytes of the read range covered by data and hole chunks so far.</summary>
    public long BytesCovered { get; set; }

    /// <summary>The first error chunk; the request still waits for the chunk flagged done.</summary>
    public Exception? Error { get; set; }

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True when the destination may be written now; false when the caller abandoned the request.</summary>
    public bool BeginReceive() => Interlocked.CompareExchange(ref _state, Receiving, Waiting) == Waiting;

    public void EndReceive() => Interlocked.CompareExchange(ref _state, Waiting, Receiving);

    /// <summary>The caller stops waiting; false while data is being copied in (the request then simply completes).</summary>
    public bool TryAbandon()
    {
        if (Interlocked.CompareExchange(ref _state, Abandoned, Waiting) != Waiting)
        {
            return false;
        }

        Completion.TrySetCanceled();
        return true;
    }
}
