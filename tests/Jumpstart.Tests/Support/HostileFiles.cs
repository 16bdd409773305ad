using Jumpstart.Shared.Processes;
using Mono.Unix.Native;
using Xunit;

namespace Jumpstart.Tests.Support;

/// <summary>
/// The files of issue 13 item 5, given where a program expects a regular file: two character devices that never
/// end (<c>/dev/zero</c>, <c>/dev/urandom</c>), a FIFO nobody writes to, a directory, and a sparse regular file one
/// byte over the reader's limit. Also runs the real <c>jumpstart</c> CLI on them, sampling its memory while it runs.
/// </summary>
public static class HostileFiles
{
    public const string Zero = "/dev/zero";
    public const string Urandom = "/dev/urandom";
    public const string Fifo = "fifo";
    public const string Directory = "directory";
    public const string Oversize = "oversize";

    /// <summary>A CLI run must end well within this (it took 40 s on /dev/urandom and forever on a FIFO before).</summary>
    public static readonly TimeSpan RunBound = TimeSpan.FromSeconds(30);

    /// <summary>The most memory the CLI may take while refusing a file (it reached 4.2-4.5 GB before; about 60 MB is its start).</summary>
    public const long CliRssBound = 250L << 20;

    /// <summary>Every kind.</summary>
    public static IReadOnlyList<string> All { get; } = [Zero, Urandom, Fifo, Directory, Oversize];

    /// <summary>Every kind, for a theory.</summary>
    public static TheoryData<string> Kinds => new(All);

    /// <summary>The kinds that are not regular files, for readers with no size limit of their own (discs, captures).</summary>
    public static TheoryData<string> NonRegularKinds => new(All.Where(k => k != Oversize));

    /// <summary>The path for <paramref name="kind"/>: a device as it is, or made in <paramref name="directory"/>.</summary>
    /// <param name="directory">Where the FIFO, the directory and the oversize file go.</param>
    /// <param name="kind">One of <see cref="Kinds"/>.</param>
    /// <param name="limitBytes">The reader's limit; the oversize file holds one byte more (sparse: it costs no disk).</param>
    /// <param name="extension">The file name's extension, for readers that choose a format by it (".yaml").</param>
    public static string Make(TempDirectory directory, string kind, long limitBytes, string extension = "")
    {
        ArgumentNullException.ThrowIfNull(directory);
        var path = directory.Combine(kind + extension);
        switch (kind)
        {
            case Fifo:
                Assert.Equal(0, Syscall.mkfifo(path, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR));
                return path;
            case Directory:
                System.IO.Directory.CreateDirectory(path);
                return path;
            case Oversize:
                using (var file = new FileStream(path, FileMode.CreateNew))
                {
                    file.SetLength(limitBytes + 1);
                }

                return path;
            default:
                return kind;
        }
    }

    /// <summary>What the refusal says after the path of a <paramref name="kind"/> given to a reader with <paramref name="limitBytes"/>.</summary>
    public static string Refusal(string kind, long limitBytes = 0) => kind switch
    {
        Zero or Urandom => "is a character device, not a regular file",
        Fifo => "is a FIFO, not a regular file",
        Directory => "is a directory, not a regular file",
        _ => $"is larger than {limitBytes} bytes, the most read from this file",
    };

    /// <summary>Runs the built CLI with <paramref name="arguments"/>, sampling its resident memory every 20 ms until it exits.</summary>
    public static async Task<CliRun> RunCliAsync(params string[] arguments)
    {
        var pid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = ProcessRunner.RunAsync(BuiltPrograms.Cli, arguments, new ProcessRunOptions { Timeout = RunBound, OnStarted = pid.SetResult });
        var id = await pid.Task.WaitAsync(RunBound);
        long peak = 0;
        while (!run.IsCompleted)
        {
            try
            {
                peak = Math.Max(peak, ProcessMemory.RssBytes(id));
            }
            catch (InvalidOperationException)
            {
                // Exited (or a zombie without memory) between two samples.
            }

            await Task.WhenAny(run, Task.Delay(20));
        }

        var result = await run;
        return new CliRun(result.ExitCode, result.StandardError, peak, result.TimedOut);
    }
}

/// <summary>One run of the CLI: its exit code, standard error, the largest resident memory sampled, and whether it had to be killed.</summary>
public sealed record CliRun(int ExitCode, string StandardError, long PeakRssBytes, bool TimedOut)
{
    /// <summary>The figures of the run, for the test's output.</summary>
    public override string ToString() => $"exit {ExitCode}, peak RSS {PeakRssBytes / (1 << 20)} MB: {StandardError.Trim()}";

    /// <summary>Asserts the run refused the file as bad data (65) on one line containing <paramref name="expected"/>, in bounded time and memory.</summary>
    public void AssertRefused(string expected)
    {
        Assert.False(TimedOut, $"the CLI did not finish within {HostileFiles.RunBound.TotalSeconds} s");
        Assert.Equal(Jumpstart.Shared.Cli.ExitCodes.DataError, ExitCode);
        var lines = StandardError.Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("jumpstart: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.InRange(PeakRssBytes, 1, HostileFiles.CliRssBound);
    }
}
