using System.Text.RegularExpressions;

namespace Jumpstart.Hostd.Cms;

/// <summary>Checks on names and sizes that arrive from callers or from an external policy.</summary>
internal static partial class CmsValidation
{
    /// <summary>Ids and role names: letters, digits, '.', '_', '-'; no leading punctuation.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>Variable names as in a shell: usable as <c>${NAME}</c> and as environment variables.</summary>
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex VariablePattern();

    public static bool IsName(string? value, int maxLength)
        => !string.IsNullOrEmpty(value) && value.Length <= maxLength && NamePattern().IsMatch(value);

    public static bool IsVariableName(string? value)
        => !string.IsNullOrEmpty(value) && value.Length <= CmsLimits.MaxVariableNameLength && VariablePattern().IsMatch(value);

    /// <summary>Refuses an id that is empty, too long or has characters outside the name alphabet.</summary>
    public static void RequireName(string? value, string what, int maxLength = CmsLimits.MaxIdLength)
    {
        if (!IsName(value, maxLength))
        {
            CmsException.ThrowInvalidParams($"{what} must be 1-{maxLength} characters of letters, digits, '.', '_' or '-'");
        }
    }

    public static void RequireToken(string? token, string what)
    {
        if (string.IsNullOrEmpty(token) || token.Length > CmsLimits.MaxTokenLength)
        {
            CmsException.ThrowInvalidParams($"{what} must be 1-{CmsLimits.MaxTokenLength} characters");
        }
    }

    public static void RequireLength(string? value, int maxLength, string what)
    {
        if (value is not null && value.Length > maxLength)
        {
            CmsException.ThrowInvalidParams($"{what} is longer than {maxLength} characters");
        }
    }

    /// <summary>Checks a policy's variables (count, names, value sizes).</summary>
    /// <returns>Null when valid, else what is wrong.</returns>
    public static string? CheckVariables(IReadOnlyDictionary<string, string>? variables)
    {
        if (variables is null)
        {
            return null;
        }

        if (variables.Count > CmsLimits.MaxVariables)
        {
            return $"more than {CmsLimits.MaxVariables} variables";
        }

        foreach (var (name, value) in variables)
        {
            if (!IsVariableName(name))
            {
                return $"variable name '{Truncate(name)}' is not [A-Za-z_][A-Za-z0-9_]*";
            }

            if (value is null || value.Length > CmsLimits.MaxVariableValueLength)
            {
                return $"variable '{name}' is null or longer than {CmsLimits.MaxVariableValueLength} characters";
            }
        }

        return null;
    }

    /// <summary>Shortens text quoted back in an error message.</summary>
    public static string Truncate(string? text, int max = 200)
        => text is null ? string.Empty : text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "...");
}
