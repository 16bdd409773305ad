using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Errors;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Bake;

/// <summary>
/// The answers of <c>jumpstart image bake</c>: a recipe to fix (exit 65, before any work starts), a missing input
/// (exit 66), a missing tool or a failed build step (exit 69: nothing is written to the output or the cache).
/// </summary>
public sealed class BakeException : JumpstartException
{
    private BakeException(int rpcCode, int exitCode, string message, Exception? inner = null)
        : base(message, inner)
    {
        RpcCode = rpcCode;
        ExitCode = exitCode;
    }

    public override int RpcCode { get; }

    public override int ExitCode { get; }

    /// <summary>The recipe is wrong (unknown key or package, a file outside its folder, too small a size).</summary>
    public static BakeException BadRecipe(string recipe, string message)
        => new(HostErrorCodes.DataError, ExitCodes.DataError, $"recipe {recipe}: {message}");

    /// <summary>The recipe, a file it names, or the guest package does not exist.</summary>
    public static BakeException NoInput(string message) => new(HostErrorCodes.NotFound, ExitCodes.NoInput, message);

    /// <summary>A tool is missing or a build step failed; the message names the step and the tool's last words.</summary>
    public static BakeException StepFailed(string message, Exception? inner = null)
        => new(HostErrorCodes.Unavailable, ExitCodes.Unavailable, message, inner);
}
