namespace Jumpstart.Shared.Errors;

/// <summary>
/// The base of every exception that is an answer rather than a bug: each area (VMs, images, the state store, the
/// CMS, traffic) derives one small hierarchy from it. A type knows the JSON-RPC error code a caller receives, the
/// sysexits-style exit code a command returns, and whether trying again may succeed (Npgsql's <c>IsTransient</c>).
/// </summary>
/// <remarks>
/// The JSON-RPC server layer (<see cref="JsonRpc.JsonRpcPeer"/>) turns only these into API errors; any other exception
/// is a bug and becomes Internal error (-32603) with a log entry. The CLI maps the code back to the exit code in one
/// place (<see cref="ErrorCodeMap"/>).
/// </remarks>
public abstract class JumpstartException : Exception
{
    protected JumpstartException(string message)
        : base(message)
    {
    }

    protected JumpstartException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The JSON-RPC error code (the implementation-defined -32000..-32099 range, or -32602 for bad params).</summary>
    public abstract int RpcCode { get; }

    /// <summary>The sysexits-style exit code (see <see cref="Cli.ExitCodes"/>).</summary>
    public abstract int ExitCode { get; }

    /// <summary>True when the same call may succeed later without any change (a busy or unreachable dependency).</summary>
    public virtual bool IsTransient => false;

    /// <summary>The error's <c>data</c> member on the wire, if any (serialized with the wire's options).</summary>
    public virtual object? RpcData => null;
}
