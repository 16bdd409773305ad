using System.Text.RegularExpressions;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>VM and bundle names: they become directory names and QEMU option values, so they stay plain.</summary>
public static partial class VmNames
{
    public const int MaxLength = 48;

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <exception cref="VmRequestException">Not a plain lowercase name.</exception>
    public static string Require(string? name, string what = "name")
        => IsValid(name) ? name! : throw new VmRequestException($"{what} '{name}' must be 1-{MaxLength} of a-z, 0-9 and '-', starting with a letter or digit");

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,47}$")]
    private static partial Regex Pattern();
}
