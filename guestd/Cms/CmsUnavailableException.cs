using Jumpstart.Guestd.Configuration;

namespace Jumpstart.Guestd.Cms;

/// <summary>The CMS could not be reached within the retry budget. Transient: a later run may succeed.</summary>
public sealed class CmsUnavailableException(string step, string message, Exception? inner = null)
    : GuestConfigException(step, message, inner);
