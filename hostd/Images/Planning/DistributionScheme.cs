using System.Text.Json.Serialization;

namespace Jumpstart.Hostd.Images.Planning;

/// <summary>Who serves the base image to the VMs (issue 4 §4; the paper's distribution schemes).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DistributionScheme>))]
public enum DistributionScheme
{
    /// <summary>Every VM reads from the one real image server; nothing is copied (k = 1 only).</summary>
    Shared,

    /// <summary>k full copies are sent one by one (parallel unicast streams) from the real server before the VMs start.</summary>
    PreDeployUnicast,

    /// <summary>k full copies are sent in one multicast transfer (uftp) before the VMs start.</summary>
    PreDeployMulticast,

    /// <summary>VMs start on the real server; k copies are made while they run and the VMs are re-directed to them.</summary>
    Background,

    /// <summary>k pseudo images start empty, fetch missed extents from the real server once, and serve their hosts.</summary>
    OnDemand,
}
