using Jumpstart.Shared.Errors;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Sqlite;

namespace Jumpstart.Hostd.Traffic;

/// <summary>
/// The traffic and classification area's answers: capture disabled (-32015, exit 69), a request to fix (-32010,
/// exit 64), no such model file (-32013, exit 66), a model file that fails its checks (-32016, exit 65), a flow
/// database that cannot be used (<see cref="FlowDatabase"/>).
/// </summary>
public sealed class TrafficException : JumpstartException
{
    private TrafficException(int rpcCode, string message, Exception? inner = null)
        : base(message, inner)
    {
        RpcCode = rpcCode;
    }

    public override int RpcCode { get; }

    public override int ExitCode => ErrorCodeMap.ExitCodeOf(RpcCode);

    public static TrafficException Disabled(string message) => new(HostErrorCodes.Unavailable, message);

    public static TrafficException BadRequest(string message) => new(HostErrorCodes.InvalidRequest, message);

    public static TrafficException ModelNotFound(string message, Exception inner) => new(HostErrorCodes.NotFound, message, inner);

    public static TrafficException ModelInvalid(string message, Exception inner) => new(HostErrorCodes.DataError, message, inner);

    /// <summary>
    /// The flow database cannot be used: damaged, not a database or of a newer version is a data error (-32016,
    /// exit 65); busy, unwritable or anything else leaves the service unavailable (-32015, exit 69).
    /// </summary>
    public static TrafficException FlowDatabase(SqliteDatabaseException inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        var code = inner is SqliteCorruptException or SqliteSchemaException ? HostErrorCodes.DataError : HostErrorCodes.Unavailable;
        return new(code, inner.Message, inner);
    }
}
