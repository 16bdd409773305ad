using Jumpstart.Guestd.Identity;

namespace Jumpstart.Tests.Guestd;

/// <summary>Keeps in-process tests from renaming the test machine; sethostname itself is proven in a UTS namespace.</summary>
internal sealed class RecordingKernelHostname : IKernelHostname
{
    public List<string> Names { get; } = [];

    public string Set(string hostname)
    {
        Names.Add(hostname);
        return hostname;
    }
}
