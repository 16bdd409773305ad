using System.Text.RegularExpressions;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Manual;

/// <summary>The man page sources under packaging/man and what the tests read from them.</summary>
public static partial class ManPages
{
    /// <summary>The folder of the man page sources, relative to the repository root.</summary>
    public const string Folder = "packaging/man";

    /// <summary>The CLI's page: one <c>.SS jumpstart ...</c> subsection per command.</summary>
    public const string Cli = "jumpstart.1";

    /// <summary>Every page the packages install: the CLI, both daemons, their files and the disc format.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        Cli,
        "jumpstart-hostd.8",
        "jumpstart-guestd.8",
        "jumpstart-hostd.json.5",
        "jumpstart-guestd.json.5",
        "jumpstart-metadata.5",
    ];

    /// <summary><see cref="Names"/> as theory data.</summary>
    public static TheoryData<string> All => new(Names);

    public static string PathOf(string page) => BuiltPrograms.RepositoryFile(Path.Combine(Folder, page));

    /// <summary>
    /// The command subsections of a page's COMMANDS section: <c>.SS jumpstart template create</c>
    /// gives "template create" with the roff source up to the next subsection or section.
    /// </summary>
    public static IReadOnlyDictionary<string, string> CommandSections(string page)
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var body = new List<string>();
        var inCommands = false;
        foreach (var line in File.ReadLines(PathOf(page)))
        {
            if (line.StartsWith(".SH ", StringComparison.Ordinal))
            {
                Close();
                inCommands = line.Trim() == ".SH COMMANDS";
                continue;
            }

            if (inCommands && SubsectionHeading().Match(line) is { Success: true } heading)
            {
                Close();
                current = heading.Groups["command"].Value.Replace("\\-", "-", StringComparison.Ordinal).Trim();
                continue;
            }

            body.Add(line);
        }

        Close();
        return sections;

        void Close()
        {
            if (current is not null)
            {
                Require(sections.TryAdd(current, string.Join('\n', body)), $"{page} documents 'jumpstart {current}' twice");
            }

            current = null;
            body.Clear();
        }
    }

    /// <summary>Whether the text names the word (an option, a command) whole, so "--by" is not found in "--by-app".</summary>
    public static bool Mentions(string text, string word)
        => Regex.IsMatch(text, $"(?<![A-Za-z0-9-]){Regex.Escape(word)}(?![A-Za-z0-9-])");

    /// <summary>Roff's escaped hyphen (<c>\-</c>) as a plain one, so option names can be searched for.</summary>
    public static string Unescape(string roff) => roff.Replace("\\-", "-", StringComparison.Ordinal);

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException(message);
        }
    }

    // A command word may hold a hyphen, escaped (\-) as groff wants it: "cluster migrate\-store".
    [GeneratedRegex(@"^\.SS ""?jumpstart(?<command>( [a-z](?:[a-z-]|\\-)*)+)""?\s*$")]
    private static partial Regex SubsectionHeading();
}
