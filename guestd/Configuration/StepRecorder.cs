using System.Diagnostics;

namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// Times each step and gives its failure the step's name: an unexpected exception (I/O, permission)
/// becomes a <see cref="GuestConfigException"/> for that step. Cancellation passes through.
/// </summary>
internal sealed class StepRecorder
{
    private readonly List<StepTiming> _steps = [];

    public IReadOnlyList<StepTiming> Steps => _steps;

    public T Run<T>(string step, Func<T> body)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var result = body();
            _steps.Add(new StepTiming(step, watch.Elapsed, Succeeded: true));
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _steps.Add(new StepTiming(step, watch.Elapsed, Succeeded: false));
            throw Attribute(step, ex);
        }
    }

    public async Task<T> RunAsync<T>(string step, Func<Task<T>> body)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var result = await body();
            _steps.Add(new StepTiming(step, watch.Elapsed, Succeeded: true));
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _steps.Add(new StepTiming(step, watch.Elapsed, Succeeded: false));
            throw Attribute(step, ex);
        }
    }

    public Task RunAsync(string step, Func<Task> body)
        => RunAsync(step, async () =>
        {
            await body();
            return true;
        });

    private GuestConfigException Attribute(string step, Exception ex)
    {
        var failure = ex as GuestConfigException ?? new GuestConfigException(step, ex.Message, ex);
        failure.Steps = [.. _steps];
        return failure;
    }
}
