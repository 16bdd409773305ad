namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>A report frame: hop 0 is the host at the other end of the stream, hop n the n-th after it along a chain.</summary>
public sealed record HopReport(int Hop, HopState State, long Bytes, string? Message = null)
{
    public bool IsFinal => State is HopState.Done or HopState.AlreadyHeld or HopState.Failed;
}
