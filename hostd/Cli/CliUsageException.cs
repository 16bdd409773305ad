namespace Jumpstart.Hostd.Cli;

/// <summary>The command line makes no sense (conflicting or missing options); exit 64.</summary>
public sealed class CliUsageException(string message) : Exception(message)
{
    /// <summary>Runs a value parser, turning its <see cref="FormatException"/> into a usage error naming <paramref name="option"/>.</summary>
    public static T Parse<T>(string option, Func<T> parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        try
        {
            return parse();
        }
        catch (FormatException ex)
        {
            throw new CliUsageException($"{option}: {ex.Message}");
        }
    }
}
