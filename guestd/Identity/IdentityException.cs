using Jumpstart.Guestd.Configuration;

namespace Jumpstart.Guestd.Identity;

/// <summary>One of the clone-uniqueness steps (RNG, clock, machine-id, SSH host keys) failed.</summary>
public sealed class IdentityException(string step, string message, Exception? inner = null)
    : GuestConfigException(step, message, inner);
