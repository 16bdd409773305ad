using Jumpstart.Guestd.Identity;

namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// A warm-up's hostname: validated and echoed, never given to the kernel. With the real kernel interface it sets
/// the name the kernel already has (<see cref="KernelHostname.Reapply"/>), so the clone's system calls are compiled.
/// </summary>
internal sealed class WarmUpHostname(IKernelHostname real) : IKernelHostname
{
    public string Set(string hostname)
    {
        if (real is KernelHostname kernel)
        {
            _ = kernel.Reapply();
        }

        return hostname;
    }
}
