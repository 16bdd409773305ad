using System.Text;

namespace Jumpstart.Guestd.Roles;

/// <summary>
/// Replaces <c>${NAME}</c> with the assignment's variables in file contents and command arguments.
/// Unknown names stay as written (a shell script may use its own <c>${HOME}</c>), and a value is
/// inserted as text, never re-scanned, so a value cannot expand another variable.
/// </summary>
public static class RoleTemplate
{
    public static string Expand(string template, IReadOnlyDictionary<string, string> variables)
    {
        if (!template.Contains("${", StringComparison.Ordinal))
        {
            return template;
        }

        var result = new StringBuilder(template.Length);
        var position = 0;
        while (position < template.Length)
        {
            var start = template.IndexOf("${", position, StringComparison.Ordinal);
            var end = start < 0 ? -1 : template.IndexOf('}', start + 2);
            if (end < 0)
            {
                break;
            }

            result.Append(template, position, start - position);
            var name = template[(start + 2)..end];
            if (variables.TryGetValue(name, out var value))
            {
                result.Append(value);
            }
            else
            {
                result.Append(template, start, end - start + 1);
            }

            position = end + 1;
        }

        return result.Append(template, position, template.Length - position).ToString();
    }
}
