using Jumpstart.Shared.Processes;

namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>A running uftpd (foreground); disposing it kills the process and waits for it.</summary>
public sealed class MulticastReceiver : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task<ProcessResult> _run;

    private MulticastReceiver(uint clientId, string file, IReadOnlyList<string> arguments)
    {
        ClientId = clientId;
        var options = new ProcessRunOptions
        {
            MaxCapturedChars = 64 * 1024,

            // uftpd -d writes its banner first; a line means it is up and has bound its socket.
            OnLine = _ => _started.TrySetResult(),
        };
        _run = ProcessRunner.RunAsync(file, arguments, options, _stop.Token);
    }

    /// <summary>The id senders use for this receiver.</summary>
    public uint ClientId { get; }

    /// <summary>uftpd's output so far is only available after it exits; this completes when it does.</summary>
    public Task<ProcessResult> Exited => _run;

    internal static MulticastReceiver Start(uint clientId, string file, IReadOnlyList<string> arguments) => new(clientId, file, arguments);

    internal async Task WaitStartedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var first = await Task.WhenAny(_started.Task, _run, Task.Delay(timeout, bound.Token));
        await bound.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        if (first == _run)
        {
            var result = await _run;
            throw new MulticastException($"uftpd exited at once ({result.ExitCode}): {result.StandardError.Trim()}");
        }

        if (first != _started.Task)
        {
            throw new MulticastException($"uftpd did not start within {timeout.TotalSeconds:0} s");
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
            // Expected: the cancellation is how uftpd is stopped.
        }

        _stop.Dispose();
    }
}
