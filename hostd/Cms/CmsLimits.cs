namespace Jumpstart.Hostd.Cms;

/// <summary>Bounds on everything a caller can make the CMS store or hold; larger input is refused before use.</summary>
internal static class CmsLimits
{
    public const int MaxIdLength = 128;
    public const int MaxTokenLength = 1024;
    public const int MaxInstancesPerDeployment = 100_000;
    public const int MaxHostnameLength = 253;
    public const int MaxAddresses = 16;
    public const int MaxAddressLength = 64;
    public const int MaxDetailLength = 4096;
    public const int MaxRoleNameLength = 64;
    public const int MaxRoles = 64;
    public const int MaxVariables = 64;
    public const int MaxVariableNameLength = 64;
    public const int MaxVariableValueLength = 4096;

    /// <summary>An external policy's stdout beyond this is not captured (and then fails to parse).</summary>
    public const int MaxPolicyOutputChars = 64 * 1024;

    /// <summary>The longest an external policy may be allowed to run.</summary>
    public const int MaxPolicyTimeoutMs = 5 * 60 * 1000;

    /// <summary>
    /// The largest request body any TCP peer may send at any time (the CMS sees no token before the body). Guests'
    /// requests are far smaller: the largest, <c>cms.report</c> with every field at its limit and every character
    /// JSON-escaped as <c>\uXXXX</c>, is 31,120 bytes (CmsLimitsTests measures it).
    /// </summary>
    public const int MaxGuestRequestBytes = 64 * 1024;

    /// <summary>
    /// Larger request bodies over TCP, up to this (<c>cms.createDeployment</c> with a long waiting list and templates),
    /// are read only while they fit in <see cref="MaxLargeRequestBytesBuffered"/>.
    /// </summary>
    public const int MaxAdminRequestBytes = 16 * 1024 * 1024;

    /// <summary>
    /// The bytes of request bodies over <see cref="MaxGuestRequestBytes"/> the TCP listener buffers at once, across all
    /// its connections; a large body that does not fit is refused at its header (the connection closes). Two of the
    /// largest at once. The local admin socket has no such bound (its peers are checked before they send anything).
    /// </summary>
    public const long MaxLargeRequestBytesBuffered = 2L * MaxAdminRequestBytes;
}
