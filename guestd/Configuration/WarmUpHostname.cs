using Jumpstart.Guestd.Identity;

namespace Jumpstart.Guestd.Configuration;

/// <summary>A warm-up's hostname: validated and echoed, never given to the kernel.</summary>
internal sealed class WarmUpHostname : IKernelHostname
{
    public string Set(string hostname) => hostname;
}
