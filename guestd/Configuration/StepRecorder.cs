using System.Diagnostics;
using System.Runtime;

namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// Times each step and gives its failure the step's name: an unexpected exception (I/O, permission)
/// becomes a <see cref="GuestConfigException"/> for that step. Cancellation passes through.
/// </summary>
internal sealed class StepRecorder
{
    private readonly List<StepTiming> _steps = [];

    public IReadOnlyList<StepTiming> Steps => _steps;

    /// <summary>Adds a step its caller timed itself (the disc read, which runs before it is known to be a new disc).</summary>
    public void Record(string step, TimeSpan duration, long jitMethods)
        => _steps.Add(new StepTiming(step, duration, Succeeded: true) { JitMethods = jitMethods });

    public void Run(string step, Action body)
        => Run(step, () =>
        {
            body();
            return true;
        });

    public T Run<T>(string step, Func<T> body)
    {
        var jit = JitMethodCount();
        var watch = Stopwatch.StartNew();
        try
        {
            var result = body();
            Add(step, watch, jit, succeeded: true);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Add(step, watch, jit, succeeded: false);
            throw Attribute(step, ex);
        }
    }

    public async Task<T> RunAsync<T>(string step, Func<Task<T>> body)
    {
        var jit = JitMethodCount();
        var watch = Stopwatch.StartNew();
        try
        {
            var result = await body();
            Add(step, watch, jit, succeeded: true);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Add(step, watch, jit, succeeded: false);
            throw Attribute(step, ex);
        }
    }

    public Task RunAsync(string step, Func<Task> body)
        => RunAsync(step, async () =>
        {
            await body();
            return true;
        });

    /// <summary>Methods JIT-compiled so far in this process, on any thread.</summary>
    public static long JitMethodCount() => JitInfo.GetCompiledMethodCount(currentThread: false);

    private void Add(string step, Stopwatch watch, long jitBefore, bool succeeded)
        => _steps.Add(new StepTiming(step, watch.Elapsed, succeeded) { JitMethods = JitMethodCount() - jitBefore });

    private GuestConfigException Attribute(string step, Exception ex)
    {
        var failure = ex as GuestConfigException ?? new GuestConfigException(step, ex.Message, ex);
        failure.Steps = [.. _steps];
        return failure;
    }
}
