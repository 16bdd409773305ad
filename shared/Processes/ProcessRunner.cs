using System.Diagnostics;
using System.Text;

namespace Jumpstart.Shared.Processes;

/// <summary>
/// Runs a program with an argument vector (never a shell string), captures bounded output, and
/// enforces a timeout. Every external tool the project drives goes through here.
/// </summary>
public static class ProcessRunner
{
    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/> passed as argv, not parsed by a shell.</summary>
    /// <exception cref="ProcessStartException">The program could not be started (missing, not executable).</exception>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        ProcessRunOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        options ??= new ProcessRunOptions();

        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (options.Environment is not null)
        {
            foreach (var (key, value) in options.Environment)
            {
                if (value is null)
                {
                    startInfo.Environment.Remove(key);
                }
                else
                {
                    startInfo.Environment[key] = value;
                }
            }
        }

        using var process = new Process { StartInfo = startInfo };
        var stdout = new BoundedBuilder(options.MaxCapturedChars);
        var stderr = new BoundedBuilder(options.MaxCapturedChars);
        process.OutputDataReceived += (_, e) => OnData(e.Data, isError: false, stdout, options.OnLine);
        process.ErrorDataReceived += (_, e) => OnData(e.Data, isError: true, stderr, options.OnLine);

        try
        {
            if (!process.Start())
            {
                throw new ProcessStartException(fileName, "the process did not start");
            }
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ProcessStartException(fileName, ex.Message, ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        options.OnStarted?.Invoke(process.Id);

        try
        {
            if (options.StandardInput is { } input)
            {
                await process.StandardInput.BaseStream.WriteAsync(input, cancellationToken);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The child exited without reading its input; its exit code tells the story.
        }

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Timeout is { } timeout)
        {
            timeoutCts.CancelAfter(timeout);
        }

        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
        }

        // WaitForExitAsync returns after the redirected streams reached EOF, so the buffers are complete.
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString(), timedOut);
    }

    private static void OnData(string? line, bool isError, BoundedBuilder sink, Action<ProcessOutputLine>? onLine)
    {
        if (line is null)
        {
            return;
        }

        sink.AppendLine(line);
        onLine?.Invoke(new ProcessOutputLine(isError, line));
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private sealed class BoundedBuilder(int limit)
    {
        private readonly StringBuilder _builder = new();
        private readonly Lock _lock = new();

        public void AppendLine(string line)
        {
            lock (_lock)
            {
                var room = limit - _builder.Length;
                if (room <= 0)
                {
                    return;
                }

                _builder.Append(line.Length + 1 <= room ? line : line[..Math.Max(0, room - 1)]).Append('\n');
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return _builder.ToString();
            }
        }
    }
}
