namespace Jumpstart.Shared.HostApi;

/// <summary>JSON-RPC error codes of hostd's VM methods (the implementation-defined server range), so the CLI picks an exit code.</summary>
public static class HostErrorCodes
{
    /// <summary>The request is malformed (names, counts, spec syntax): exit 64/65.</summary>
    public const int InvalidRequest = -32010;

    /// <summary>The bundle is missing, truncated, corrupted or unsupported: exit 65.</summary>
    public const int BundleInvalid = -32011;

    /// <summary>The clone's device set or accelerator does not match the bundle's: exit 65.</summary>
    public const int SpecMismatch = -32012;

    /// <summary>No such VM or bundle: exit 66.</summary>
    public const int NotFound = -32013;

    /// <summary>QEMU failed to start, migrate or answer: exit 69.</summary>
    public const int VmFailed = -32014;

    /// <summary>The VM capability is not running on this hostd: exit 69.</summary>
    public const int Unavailable = -32015;

    /// <summary>
    /// Data the request names is damaged, unusable or lost: a classifier model file that fails its checks, stored
    /// data lost beyond what the layout survives or failing its integrity check: exit 65.
    /// </summary>
    public const int DataError = -32016;
}
