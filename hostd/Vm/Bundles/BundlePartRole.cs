using System.Text.Json.Serialization;
using Jumpstart.Hostd.Vm.Supervisor;

namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>What one file of a bundle is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BundlePartRole>))]
public enum BundlePartRole
{
    /// <summary>The <see cref="VmSpec"/> as JSON.</summary>
    Spec,

    /// <summary>The migration stream (all of it for <see cref="MemoryFormat.Stream"/>, device state for <see cref="MemoryFormat.Mapped"/>).</summary>
    State,

    /// <summary>Guest RAM, <see cref="MemoryFormat.Mapped"/> only.</summary>
    Ram,

    /// <summary>A disk's template delta (qcow2 backed by the base image).</summary>
    Disk,
}
