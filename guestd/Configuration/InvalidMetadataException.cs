namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// A metadata value is unsafe or malformed (bad hostname, MAC, address, path, ...). Raised before
/// anything on the machine is changed.
/// </summary>
public sealed class InvalidMetadataException(string field, string message)
    : GuestConfigException(StepNames.Validate, $"{field}: {message}")
{
    /// <summary>The metadata field that was rejected, e.g. <c>interfaces[0].mac</c>.</summary>
    public string Field { get; } = field;
}
