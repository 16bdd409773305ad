using System.Text.Json;
using Jumpstart.Hostd.Cli;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Images;

/// <summary>The built <c>jumpstart image serve</c> as a real process: listening lines, a real client, SIGTERM, exit codes.</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class ImageServeCliTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    private static string Jumpstart => BuiltPrograms.Cli;

    [ToolFact("nbdinfo", "nbdcopy")]
    public async Task Serve_PrintsUrisThatRealClientsUse_AndStopsWithStatisticsOnSigterm()
    {
        using var directory = new TempDirectory("image-serve");
        var image = directory.Combine("disk.raw");
        TestImage.Create(image);
        var socket = directory.Combine("nbd.sock");
        var uris = new List<string>();
        var bothListening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = ProcessRunner.RunAsync(
            Jumpstart,
            ["image", "serve", "--file", image, "--unix", socket, "--tcp", "127.0.0.1:0"],
            new ProcessRunOptions
            {
                Timeout = TimeSpan.FromMinutes(2),
                OnStarted = p => pid.TrySetResult(p),
                OnLine = line =>
                {
                    if (!line.IsError && line.Text.StartsWith(ImageServe.ListeningPrefix, StringComparison.Ordinal))
                    {
                        lock (uris)
                        {
                            uris.Add(line.Text[ImageServe.ListeningPrefix.Length..]);
                            if (uris.Count == 2)
                            {
                                bothListening.TrySetResult();
                            }
                        }
                    }
                },
            });
        var first = await Task.WhenAny(bothListening.Task, run).WaitAsync(s_bound);
        Assert.True(first == bothListening.Task, "image serve exited early: " + (run.IsCompleted ? (await run).StandardError : string.Empty));
        Assert.Equal($"nbd+unix:///disk?socket={socket}", uris[0]);
        Assert.StartsWith("nbd://127.0.0.1:", uris[1], StringComparison.Ordinal);
        Assert.EndsWith("/disk", uris[1], StringComparison.Ordinal);

        foreach (var uri in uris)
        {
            var copy = directory.Combine($"copy-{uris.IndexOf(uri)}.raw");
            await Requirements.RunToolAsync("nbdcopy", [uri, copy]);
            Assert.Equal(await File.ReadAllBytesAsync(image), await File.ReadAllBytesAsync(copy));
        }

        Assert.Equal(0, Mono.Unix.Native.Syscall.kill(await pid.Task, Mono.Unix.Native.Signum.SIGTERM));
        var result = await run.WaitAsync(s_bound);
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Matches(@"stopped: \d+ requests \([1-9]\d* reads, [1-9]\d* bytes read, 0 bytes written, 0 errors\)", result.StandardOutput);
        Assert.False(File.Exists(socket), "the socket file is removed on a graceful stop");
    }

    [Fact]
    public async Task Serve_WithJson_PrintsOneJsonLineWithTheEndpoints()
    {
        using var directory = new TempDirectory("image-serve-json");
        var image = directory.Combine("disk.img");
        await File.WriteAllBytesAsync(image, new byte[65536]);
        var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var kill = new CancellationTokenSource();
        var run = ProcessRunner.RunAsync(
            Jumpstart,
            ["image", "serve", "--file", image, "--name", "other", "--tcp", "127.0.0.1:0", "--json"],
            new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(2), OnLine = line => _ = line.IsError || started.TrySetResult(line.Text) },
            kill.Token);
        using var json = JsonDocument.Parse(await started.Task.WaitAsync(s_bound));
        await kill.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(s_bound));

        Assert.Equal("other", json.RootElement.GetProperty("export").GetString());
        Assert.Equal(65536, json.RootElement.GetProperty("size").GetInt64());
        Assert.True(json.RootElement.GetProperty("readOnly").GetBoolean());
        Assert.Matches(@"^nbd://127\.0\.0\.1:\d+/other$", json.RootElement.GetProperty("listening")[0].GetString());
    }

    [Theory]
    [InlineData(ExitCodes.Usage, "image", "serve", "--file", "x.raw")]
    [InlineData(ExitCodes.Usage, "image", "serve", "--file", "x.raw", "--tcp", "127.0.0.1")]
    [InlineData(ExitCodes.Usage, "image", "serve", "--unix", "s.sock")]
    [InlineData(ExitCodes.NoInput, "image", "serve", "--file", "/nonexistent/x.raw", "--tcp", "127.0.0.1:0")]
    public async Task Serve_WithBadUsageOrAMissingFile_ExitsWithTheSysexitsCode(int expected, params string[] args)
    {
        using var error = new StringWriter();
        Assert.Equal(expected, await JumpstartCli.RunAsync(args, TextWriter.Null, error));
        Assert.StartsWith("jumpstart: ", error.ToString(), StringComparison.Ordinal);
    }
}
