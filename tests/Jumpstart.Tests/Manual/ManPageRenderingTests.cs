using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Manual;

/// <summary>Every man page under packaging/man renders with the tools Debian uses, with no warning.</summary>
[Trait(Capabilities.Trait, Capabilities.Manual)]
public sealed class ManPageRenderingTests
{
    private static readonly TimeSpan s_toolTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void TheFolder_HoldsExactlyThePagesTheTestsKnow()
    {
        var present = Directory.GetFiles(BuiltPrograms.RepositoryFile(ManPages.Folder))
            .Select(Path.GetFileName)
            .Where(name => name is not null && char.IsAsciiDigit(name[^1]))
            .Order(StringComparer.Ordinal);

        Assert.Equal(ManPages.Names.Order(StringComparer.Ordinal), present);
    }

    [ToolTheory("mandoc")]
    [MemberData(nameof(ManPages.All), MemberType = typeof(ManPages))]
    public async Task Mandoc_LintsThePage_WithoutAWarning(string page)
    {
        var result = await Shared.Processes.ProcessRunner.RunAsync(Requirements.RequireTool("mandoc"), ["-T", "lint", "-W", "warning", ManPages.PathOf(page)], new() { Timeout = s_toolTimeout });

        Assert.True(result.Succeeded, $"mandoc -T lint {page} ({result.ExitCode}):\n{result.StandardOutput}{result.StandardError}");
        Assert.Equal(string.Empty, (result.StandardOutput + result.StandardError).Trim());
    }

    [ToolTheory("man")]
    [MemberData(nameof(ManPages.All), MemberType = typeof(ManPages))]
    public async Task Man_RendersThePage_WithItsNameAndNoGroffWarning(string page)
    {
        var result = await Shared.Processes.ProcessRunner.RunAsync(Requirements.RequireTool("man"), ["--warnings", "-l", ManPages.PathOf(page)], new()
        {
            Timeout = s_toolTimeout,
            // A fixed locale (C.UTF-8 is always there on Debian), so an unset one cannot add a warning of its own.
            Environment = new Dictionary<string, string?> { ["MANWIDTH"] = "100", ["MAN_KEEP_FORMATTING"] = null, ["PAGER"] = "cat", ["LC_ALL"] = "C.UTF-8" },
        });

        Assert.True(result.Succeeded, $"man -l {page} ({result.ExitCode}): {result.StandardError}");
        Assert.Equal(string.Empty, result.StandardError.Trim());
        var title = Path.GetFileNameWithoutExtension(page).ToUpperInvariant();
        Assert.StartsWith(title, result.StandardOutput.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("NAME", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("SEE ALSO", result.StandardOutput, StringComparison.Ordinal);
    }

    [ToolTheory("lexgrog")]
    [MemberData(nameof(ManPages.All), MemberType = typeof(ManPages))]
    public async Task Lexgrog_FindsTheWhatisLine_NamedAfterTheFile(string page)
    {
        var result = await Shared.Processes.ProcessRunner.RunAsync(Requirements.RequireTool("lexgrog"), [ManPages.PathOf(page)], new() { Timeout = s_toolTimeout });

        Assert.True(result.Succeeded, $"lexgrog {page} ({result.ExitCode}): {result.StandardOutput}{result.StandardError}");
        var name = Path.GetFileNameWithoutExtension(page);
        Assert.Contains($": \"{name} - ", result.StandardOutput, StringComparison.Ordinal);
    }
}
