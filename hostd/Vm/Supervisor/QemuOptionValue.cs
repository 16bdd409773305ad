namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>Quoting for QEMU's <c>key=value,key=value</c> option syntax (QemuOpts): a comma in a value is doubled.</summary>
public static class QemuOptionValue
{
    /// <exception cref="ArgumentException">The value holds a control character (never valid in a path or name here).</exception>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Any(char.IsControl))
        {
            throw new ArgumentException("a QEMU option value must not contain control characters", nameof(value));
        }

        return value.Replace(",", ",,", StringComparison.Ordinal);
    }
}
