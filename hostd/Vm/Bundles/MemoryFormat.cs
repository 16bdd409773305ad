using System.Text.Json.Serialization;

namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>How a bundle holds the template's memory.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MemoryFormat>))]
public enum MemoryFormat
{
    /// <summary>The whole migration stream (RAM and device state), optionally zstd-compressed.</summary>
    Stream,

    /// <summary>
    /// Guest RAM as a plain file (the template ran on <c>memory-backend-file,share=on</c>) plus a stream
    /// of device state only (<c>x-ignore-shared</c>); clones map the RAM file copy-on-write.
    /// </summary>
    Mapped,
}
