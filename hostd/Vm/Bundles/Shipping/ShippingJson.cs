using System.Text.Json;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>JSON settings of the offer frame (byte arrays are base64).</summary>
internal static class ShippingJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 8,
    };
}
