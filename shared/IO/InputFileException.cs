using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Errors;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Shared.IO;

/// <summary>
/// A file given to read is of a kind its reader refuses or larger than the reader's limit: bad data (exit 65,
/// <see cref="HostErrorCodes.DataError"/> on the wire). Nothing beyond the limit was read or allocated.
/// </summary>
public sealed class InputFileException : JumpstartException
{
    private InputFileException(string path, InputFileProblem problem, string message)
        : base(message)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file as it was named.</summary>
    public string Path { get; }

    public InputFileProblem Problem { get; }

    public override int RpcCode => HostErrorCodes.DataError;

    public override int ExitCode => ExitCodes.DataError;

    internal static InputFileException WrongKind(string path, string kind, FileKinds accepted)
        => new(path, InputFileProblem.WrongKind, $"{path} is {kind}, not {Describe(accepted)}");

    internal static InputFileException TooLarge(string path, long maxBytes)
        => new(path, InputFileProblem.TooLarge, $"{path} is larger than {maxBytes} bytes, the most read from this file");

    private static string Describe(FileKinds accepted) => accepted switch
    {
        FileKinds.Regular => "a regular file",
        FileKinds.BlockDevice => "a block device",
        _ => "a regular file or a block device",
    };
}
