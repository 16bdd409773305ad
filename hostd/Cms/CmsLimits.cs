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
}
