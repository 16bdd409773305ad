using System.Collections.Concurrent;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Mono.Unix.Native;

namespace Jumpstart.Tests.DBus;

/// <summary>A long-running peer (<c>gdbus monitor</c>) whose output lines a test waits for, each wait bounded.</summary>
public sealed class WatchedProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_lifetime = TimeSpan.FromMinutes(3);

    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource<int> _pid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task<ProcessResult> _exited;
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WatchedProcess(string tool, IEnumerable<string> arguments)
    {
        _exited = ProcessRunner.RunAsync(Requirements.RequireTool(tool), arguments, new ProcessRunOptions
        {
            Timeout = s_lifetime,
            OnStarted = pid => _pid.TrySetResult(pid),
            OnLine = line =>
            {
                _lines.Enqueue(line.Text);
                lock (_gate)
                {
                    _changed.TrySetResult();
                    _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            },
        });
    }

    /// <summary>Every line so far, stdout and stderr.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public static WatchedProcess Start(string tool, params string[] arguments) => new(tool, arguments);

    /// <summary>Waits until a line matches <paramref name="predicate"/>; fails with everything seen after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, string what)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (_lines.FirstOrDefault(predicate) is { } line)
            {
                return line;
            }

            if (_exited.IsCompleted)
            {
                throw new InvalidOperationException($"the peer exited before {what}: {string.Join(" | ", _lines)}");
            }

            try
            {
                await Task.WhenAny(changed, _exited).WaitAsync(cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no {what} within {timeout.TotalSeconds} s; saw: {string.Join(" | ", _lines)}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_pid.Task.IsCompletedSuccessfully && !_exited.IsCompleted)
        {
            _ = Syscall.kill(_pid.Task.Result, Signum.SIGTERM);
        }

        await _exited.WaitAsync(TimeSpan.FromSeconds(15));
    }
}
