using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Xunit;

namespace Jumpstart.Tests.Systemd;

/// <summary>
/// The console formatter <see cref="SystemdHostingExtensions.UseJumpstartSystemd"/> selects: the
/// library's journal formatter ("systemd") when systemd started us, the simple one otherwise. Each
/// is the real formatter the daemon's console logger resolves, writing into a StringWriter.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Systemd)]
public sealed class JournalFormatTests
{
    private static string Format(bool underSystemd, LogLevel level, string message, Exception? exception = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseJumpstartSystemd(SystemdEnvironment.None with { IsUnderSystemd = underSystemd });
        using var services = builder.Services.BuildServiceProvider();
        var name = services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName;
        var formatter = services.GetServices<ConsoleFormatter>().Single(f => f.Name == name);
        using var writer = new StringWriter();
        formatter.Write(new LogEntry<string>(level, "Jumpstart.Test", new EventId(7), message, exception, static (s, _) => s), null, writer);
        return writer.ToString();
    }

    private static InvalidOperationException Thrown()
    {
        try
        {
            throw new InvalidOperationException("disk gone\nreally");
        }
        catch (InvalidOperationException ex)
        {
            return ex;
        }
    }

    [Theory]
    [InlineData(LogLevel.Trace, "<7>")]
    [InlineData(LogLevel.Debug, "<7>")]
    [InlineData(LogLevel.Information, "<6>")]
    [InlineData(LogLevel.Warning, "<4>")]
    [InlineData(LogLevel.Error, "<3>")]
    [InlineData(LogLevel.Critical, "<2>")]
    public void UnderSystemd_EveryEntryStartsWithItsSyslogPriority(LogLevel level, string prefix)
    {
        Assert.Equal($"{prefix}Jumpstart.Test[7] hello\n", Format(underSystemd: true, level, "hello"));
    }

    [Fact]
    public void UnderSystemd_AMultiLineMessageWithAnException_IsOneJournalLine()
    {
        var text = Format(underSystemd: true, LogLevel.Error, "save failed\nsecond line", Thrown());

        Assert.Equal(1, text.Count(c => c == '\n'));
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.StartsWith("<3>Jumpstart.Test[7] save failed second line System.InvalidOperationException: disk gone really", text, StringComparison.Ordinal);
        Assert.Contains(nameof(Thrown), text, StringComparison.Ordinal);
    }

    [Fact]
    public void InATerminal_EntriesAreTimestampedWithoutPriorityPrefixes()
    {
        var text = Format(underSystemd: false, LogLevel.Information, "started");

        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} info: Jumpstart.Test\[7\] started\n$", text);
    }
}
