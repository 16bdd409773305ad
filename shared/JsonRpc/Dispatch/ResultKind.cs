namespace Jumpstart.Shared.JsonRpc.Dispatch;

/// <summary>How a bound method hands back its result.</summary>
internal enum ResultKind
{
    /// <summary><c>void</c>: the result is null once the call returns.</summary>
    Void,

    /// <summary>A plain value returned synchronously.</summary>
    Value,

    /// <summary><see cref="Task"/>: null once the task completes.</summary>
    Task,

    /// <summary><see cref="Task{TResult}"/>.</summary>
    TaskOfT,

    /// <summary><see cref="ValueTask"/>.</summary>
    ValueTask,

    /// <summary><see cref="ValueTask{TResult}"/>.</summary>
    ValueTaskOfT,
}
