using Jumpstart.Shared.Errors;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Images;

/// <summary>
/// The image service's answers: no such image (-32013, exit 66), a request to fix (-32010, exit 64), or the service
/// is off or the image not served (-32015, exit 69).
/// </summary>
public sealed class ImageException : JumpstartException
{
    private ImageException(int rpcCode, string message)
        : base(message)
    {
        RpcCode = rpcCode;
    }

    public override int RpcCode { get; }

    public override int ExitCode => ErrorCodeMap.ExitCodeOf(RpcCode);

    public override bool IsTransient => RpcCode == HostErrorCodes.Unavailable;

    public static ImageException NotFound(string name) => new(HostErrorCodes.NotFound, $"no image named {name}");

    public static ImageException BadRequest(string message) => new(HostErrorCodes.InvalidRequest, message);

    public static ImageException Unavailable(string message) => new(HostErrorCodes.Unavailable, message);
}
