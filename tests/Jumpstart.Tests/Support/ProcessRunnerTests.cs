using Jumpstart.Shared.Processes;
using Xunit;

namespace Jumpstart.Tests.Support;

[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
public sealed class ProcessRunnerTests
{
    [Fact]
    public async Task Run_PassesArgumentsVerbatim_WithoutAShell()
    {
        var result = await ProcessRunner.RunAsync("/bin/echo", ["$(touch /tmp/pwned)", "a;b", "'q'"]);

        Assert.True(result.Succeeded);
        Assert.Equal("$(touch /tmp/pwned) a;b 'q'\n", result.StandardOutput);
    }

    [Fact]
    public async Task Run_WithTimeout_KillsTheProcessAndSaysSo()
    {
        var result = await ProcessRunner.RunAsync("/bin/sleep", ["30"], new ProcessRunOptions { Timeout = TimeSpan.FromMilliseconds(200) });

        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task Run_MissingProgram_ThrowsProcessStartException()
    {
        await Assert.ThrowsAsync<ProcessStartException>(() => ProcessRunner.RunAsync("/nonexistent/tool", []));
    }

    [Fact]
    public async Task Run_BoundsCapturedOutput()
    {
        var result = await ProcessRunner.RunAsync("/usr/bin/seq", ["1", "100000"], new ProcessRunOptions { MaxCapturedChars = 100 });

        Assert.True(result.StandardOutput.Length <= 100);
        Assert.StartsWith("1\n2\n", result.StandardOutput, StringComparison.Ordinal);
    }
}
