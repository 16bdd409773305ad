namespace Jumpstart.Guestd.Identity;

/// <summary>The kernel's host name of the calling process's UTS namespace.</summary>
public interface IKernelHostname
{
    /// <summary>sethostname(2); returns what the kernel reports afterwards.</summary>
    string Set(string hostname);
}
