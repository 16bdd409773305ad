using StreamJsonRpc;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>The parameters record that single-object binding deserializes into.</summary>
public sealed record RegisterRequest(string InstanceId, int Cores, IReadOnlyList<string>? Tags = null);

/// <summary>A target exercising every binding rule: names, "Async" stripping, defaults, return shapes, errors, cancellation.</summary>
public sealed class SampleTarget
{
    private readonly TaskCompletionSource<string> _notified = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when <see cref="Notify"/> runs.</summary>
    public Task<string> Notified => _notified.Task;

    /// <summary>Completes with true when a <see cref="WaitForCancelAsync"/> call observed its token.</summary>
    public TaskCompletionSource<bool> CancelObserved { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The started signal: set when <see cref="WaitForCancelAsync"/> or <see cref="SlowAsync"/> is running.</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Add(int a, int b) => a + b;

    public string Greet(string name, string greeting = "hello", int times = 1)
        => string.Join(' ', Enumerable.Repeat($"{greeting} {name}", times));

    public async Task<long> MultiplyAsync(long a, long b)
    {
        await Task.Yield();
        return a * b;
    }

    public async ValueTask<string> EchoAsync(string text)
    {
        await Task.Yield();
        return text;
    }

    public Task NothingAsync() => Task.CompletedTask;

    public ValueTask NothingValueAsync() => ValueTask.CompletedTask;

    public void Notify(string message) => _notified.TrySetResult(message);

    [JsonRpcMethod("cms.register", UseSingleObjectParameterDeserialization = true)]
    public RegisterRequest Register(RegisterRequest request) => request with { Cores = request.Cores * 2 };

    [JsonRpcMethod("renamed")]
    public string SomeInternalName() => "renamed-result";

    public void Fail(string why) => throw new LocalRpcException(why) { ErrorCode = -32001, ErrorData = new { reason = why, retry = false } };

    public void Crash() => throw new InvalidOperationException("handler bug");

    public async Task<string> WaitForCancelAsync(CancellationToken cancellationToken)
    {
        try
        {
            Started.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return "not cancelled";
        }
        catch (OperationCanceledException)
        {
            CancelObserved.TrySetResult(true);
            throw;
        }
    }

    /// <summary>Blocks until the test opens <see cref="Gate"/>: proves other calls proceed meanwhile.</summary>
    public async Task<string> SlowAsync()
    {
        Started.TrySetResult();
        await Gate.Task;
        return "slow done";
    }
}
