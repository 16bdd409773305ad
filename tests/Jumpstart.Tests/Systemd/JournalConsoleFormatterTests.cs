using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Systemd;

[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class JournalConsoleFormatterTests
{
    private static string Format(JournalConsoleFormatter formatter, LogLevel level, string message, Exception? exception = null, int eventId = 7)
    {
        using var writer = new StringWriter();
        formatter.Write(new LogEntry<string>(level, "Jumpstart.Test", new EventId(eventId), message, exception, static (s, _) => s), null, writer);
        return writer.ToString();
    }

    private static JournalConsoleFormatter Journal() => new(new JournalConsoleFormatterOptions { UseJournalFormat = true }, underSystemd: false);

    [Theory]
    [InlineData(LogLevel.Trace, "<7>")]
    [InlineData(LogLevel.Debug, "<7>")]
    [InlineData(LogLevel.Information, "<6>")]
    [InlineData(LogLevel.Warning, "<4>")]
    [InlineData(LogLevel.Error, "<3>")]
    [InlineData(LogLevel.Critical, "<2>")]
    public void Write_JournalFormat_PrefixesTheSyslogPriority(LogLevel level, string prefix)
    {
        Assert.Equal($"{prefix}Jumpstart.Test[7]: hello\n", Format(Journal(), level, "hello"));
    }

    [Fact]
    public void Write_JournalFormat_FoldsTheExceptionOntoOneLine()
    {
        Exception exception;
        try
        {
            throw new InvalidOperationException("disk gone\nreally");
        }
        catch (InvalidOperationException ex)
        {
            exception = ex;
        }

        var text = Format(Journal(), LogLevel.Error, "save failed", exception);

        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.Equal(1, text.Count(c => c == '\n'));
        Assert.StartsWith("<3>Jumpstart.Test[7]: save failed | System.InvalidOperationException: disk gone | really | ", text, StringComparison.Ordinal);
        Assert.Contains(nameof(Write_JournalFormat_FoldsTheExceptionOntoOneLine), text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_JournalFormat_FoldsMessageLineBreaksAndControlCharacters()
    {
        var text = Format(Journal(), LogLevel.Warning, "a\r\nb\nc\td\u001b[31m", eventId: 0);

        Assert.Equal("<4>Jumpstart.Test: a | b | c d [31m\n", text);
    }

    [Fact]
    public void Write_PlainFormat_HasTimestampLevelAndMultiLineException()
    {
        var formatter = new JournalConsoleFormatter(new JournalConsoleFormatterOptions { UseJournalFormat = false }, underSystemd: true);

        var text = Format(formatter, LogLevel.Error, "save failed", new IOException("disk gone"));

        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} fail: Jumpstart.Test\[7\]: save failed\nSystem.IO.IOException: disk gone\n$", text);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void UsesJournalFormat_ByDefault_FollowsWhetherSystemdStartedUs(bool underSystemd, bool expected)
    {
        var formatter = new JournalConsoleFormatter(new JournalConsoleFormatterOptions(), underSystemd);

        Assert.Equal(expected, formatter.UsesJournalFormat);
        Assert.Equal(expected, Format(formatter, LogLevel.Information, "x").StartsWith("<6>", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_WithScopes_AppendsThemOnTheSameLine()
    {
        var formatter = new JournalConsoleFormatter(new JournalConsoleFormatterOptions { UseJournalFormat = true, IncludeScopes = true }, underSystemd: false);
        var scopes = new LoggerExternalScopeProvider();
        using var outer = scopes.Push("vm=clone-7");
        using var writer = new StringWriter();

        formatter.Write(new LogEntry<string>(LogLevel.Information, "c", default, "resumed", null, static (s, _) => s), scopes, writer);

        Assert.Equal("<6>c: resumed => vm=clone-7\n", writer.ToString());
    }

    [Fact]
    public void Write_NullMessageAndNoException_WritesNothing()
    {
        using var writer = new StringWriter();

        Journal().Write(new LogEntry<string>(LogLevel.Information, "c", default, "s", null, static (_, _) => null!), null, writer);

        Assert.Equal(string.Empty, writer.ToString());
    }

    [Fact]
    public void JournalPriority_From_MatchesThePrefix()
    {
        foreach (var level in new[] { LogLevel.Trace, LogLevel.Debug, LogLevel.Information, LogLevel.Warning, LogLevel.Error, LogLevel.Critical })
        {
            Assert.Equal($"<{JournalPriority.From(level)}>", JournalPriority.Prefix(level));
        }
    }
}
