namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>How shipping ended for one host.</summary>
/// <param name="Host">The receiving host.</param>
/// <param name="State">Its final state.</param>
/// <param name="BytesVerified">Bytes of the bundle it holds verified (including chunks a resumed transfer had before).</param>
/// <param name="BytesSent">Chunk bytes the source itself sent on this host's stream (0 for a chain's later hops, which their predecessor fed).</param>
/// <param name="Elapsed">From the start of its leg to its final report.</param>
/// <param name="Message">Why it failed, if it did.</param>
public sealed record ShipResult(string Host, HopState State, long BytesVerified, long BytesSent, TimeSpan Elapsed, string? Message)
{
    public bool Succeeded => State is HopState.Done or HopState.AlreadyHeld;
}
