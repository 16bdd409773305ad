namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>
/// What <see cref="BackgroundDeployer"/> drives: the hosts that read the base image, and the means to add a
/// replica on another host and re-direct hosts to it. In hostd, switching is a live upstream switch of each
/// host's pseudo image or replica set (the VMs never notice).
/// </summary>
public interface IReplicaHost
{
    /// <summary>Hosts reading through the real image server now, with their recent load.</summary>
    ValueTask<IReadOnlyList<HostLoad>> HostsOnRealServerAsync(CancellationToken cancellationToken);

    /// <summary>Makes a full replica of the base image on a host that does not serve one yet; completes when it serves.</summary>
    /// <param name="replicaNumber">1 for the first replica added, 2 for the next, ...</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    ValueTask<string> StartReplicaAsync(int replicaNumber, CancellationToken cancellationToken);

    /// <summary>Re-directs <paramref name="hosts"/> to read from <paramref name="replica"/> (as returned by <see cref="StartReplicaAsync"/>).</summary>
    ValueTask SwitchUpstreamAsync(string replica, IReadOnlyList<string> hosts, CancellationToken cancellationToken);
}
