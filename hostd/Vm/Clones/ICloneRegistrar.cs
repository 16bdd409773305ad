using System.Net;

namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>
/// Announces planned clones to whoever hands out their roles (the CMS) before any of them starts.
/// The clone layer only knows this interface; the deploy layer above implements it, so clones never
/// reference the CMS.
/// </summary>
public interface ICloneRegistrar
{
    /// <summary>The CMS as the guests reach it (written on each clone's disc).</summary>
    DnsEndPoint GuestEndPoint { get; }

    /// <summary>Creates the deployment with one waiting-list entry per clone; throws if refused, and then no clone starts.</summary>
    Task RegisterAsync(IReadOnlyList<PlannedClone> clones, CancellationToken cancellationToken);
}
