using System.Globalization;
using Jumpstart.Shared.Systemd;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Configuration;

/// <summary>
/// Rejects unusable <see cref="HostdOptions"/> at start (exit 78) and on reload (the running
/// configuration is kept).
/// </summary>
public sealed class HostdOptionsValidator : IValidateOptions<HostdOptions>, IConfigurationReloadValidator
{
    /// <summary>Highest permission bits a socket mode may have (no setuid/setgid/sticky).</summary>
    private const int MaxMode = 0x1FF; // 0777

    public ValidateOptionsResult Validate(string? name, HostdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Check(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public IReadOnlyList<string> Validate(IConfiguration candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var options = new HostdOptions();
        try
        {
            candidate.GetSection(HostdOptions.Section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            return [$"{HostdOptions.Section}: {ex.Message}"];
        }

        return Check(options);
    }

    /// <summary>Parses an octal mode such as "0660".</summary>
    public static bool TryParseMode(string? text, out UnixFileMode mode)
    {
        mode = default;
        if (string.IsNullOrEmpty(text) || text.Length > 4 || !text.All(static c => c is >= '0' and <= '7'))
        {
            return false;
        }

        var value = 0;
        foreach (var c in text)
        {
            value = (value * 8) + (c - '0');
        }

        if (value > MaxMode)
        {
            return false;
        }

        mode = (UnixFileMode)value;
        return true;
    }

    private static List<string> Check(HostdOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.NodeName)
            || options.NodeName.Length > HostdOptions.MaxNodeNameLength
            || options.NodeName.Any(char.IsControl))
        {
            problems.Add($"{HostdOptions.Section}:NodeName must be 1-{HostdOptions.MaxNodeNameLength} printable characters");
        }

        RequireAbsolute(problems, nameof(HostdOptions.StateDirectory), options.StateDirectory);
        RequireAbsolute(problems, nameof(HostdOptions.RuntimeDirectory), options.RuntimeDirectory);
        if (!string.IsNullOrEmpty(options.ControlSocketPath))
        {
            RequireAbsolute(problems, nameof(HostdOptions.ControlSocketPath), options.ControlSocketPath);
        }

        if (!TryParseMode(options.ControlSocketMode, out _))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{HostdOptions.Section}:ControlSocketMode '{options.ControlSocketMode}' is not an octal mode like 0660"));
        }

        return problems;
    }

    private static void RequireAbsolute(List<string> problems, string key, string? path)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            problems.Add($"{HostdOptions.Section}:{key} must be an absolute path (got '{path}')");
        }
    }
}
