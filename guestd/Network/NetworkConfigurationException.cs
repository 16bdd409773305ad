using Jumpstart.Guestd.Configuration;

namespace Jumpstart.Guestd.Network;

/// <summary>The network could not be configured (no matching interface, or <c>ip</c> refused a change).</summary>
public sealed class NetworkConfigurationException(string message, Exception? inner = null)
    : GuestConfigException(StepNames.Network, message, inner);
