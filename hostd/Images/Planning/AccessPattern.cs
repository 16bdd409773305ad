using System.Text.Json.Serialization;

namespace Jumpstart.Hostd.Images.Planning;

/// <summary>How a VM reads its base image; sets the default request size of the model.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AccessPattern>))]
public enum AccessPattern
{
    /// <summary>Large consecutive reads (boot, scans): default request 128 KiB.</summary>
    Sequential,

    /// <summary>Small scattered reads (databases, page faults): default request 4 KiB.</summary>
    Random,
}
