namespace Jumpstart.Shared.Processes;

/// <summary>How to run one child process.</summary>
public sealed record ProcessRunOptions
{
    /// <summary>Kill the process (and its process group) after this long. Null waits forever.</summary>
    public TimeSpan? Timeout { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>Variables added to (or, with a null value, removed from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Bytes written to the child's standard input, which is then closed.</summary>
    public ReadOnlyMemory<byte>? StandardInput { get; init; }

    /// <summary>Upper bound on captured stdout/stderr characters each; the rest is dropped, not buffered.</summary>
    public int MaxCapturedChars { get; init; } = 1 << 20;

    /// <summary>Called for every line of output as it arrives (stdout and stderr), e.g. to log it.</summary>
    public Action<ProcessOutputLine>? OnLine { get; init; }

    /// <summary>Called with the child's process id right after it started, e.g. to signal a long-running daemon.</summary>
    public Action<int>? OnStarted { get; init; }
}

/// <summary>One line of a child's output.</summary>
public readonly record struct ProcessOutputLine(bool IsError, string Text);
