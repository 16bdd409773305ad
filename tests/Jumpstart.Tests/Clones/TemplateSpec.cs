using System.Text.Json;
using System.Text.Json.Nodes;

namespace Jumpstart.Tests.Clones;

/// <summary>The template's VM spec (hostd's VmSpec as JSON) for the test guest that packaging/guest/build-test-guest made.</summary>
public static class TemplateSpec
{
    /// <summary>The NIC's fixed PCI slot (clones must find it where the template had it).</summary>
    public const int NicPciSlot = 3;

    /// <summary>The spec for the guest in <paramref name="guestDirectory"/> (its guest.json gives memory and kernel command line).</summary>
    public static string Json(string guestDirectory, string templateMac, int? memoryMiB = null)
    {
        using var guest = JsonDocument.Parse(File.ReadAllText(Path.Combine(guestDirectory, "guest.json")));
        var spec = new JsonObject
        {
            ["memoryMiB"] = memoryMiB ?? guest.RootElement.GetProperty("memoryMiB").GetInt32(),
            ["vcpus"] = 1,
            ["cpuModel"] = "max",
            ["kernel"] = Path.Combine(guestDirectory, guest.RootElement.GetProperty("kernel").GetString()!),
            ["initrd"] = Path.Combine(guestDirectory, guest.RootElement.GetProperty("initrd").GetString()!),
            ["append"] = guest.RootElement.GetProperty("cmdline").GetString(),
            ["cdrom"] = new JsonObject(),
            ["nic"] = new JsonObject { ["mac"] = templateMac, ["pciSlot"] = NicPciSlot },
            ["vmGenId"] = true,
        };
        return spec.ToJsonString();
    }
}
