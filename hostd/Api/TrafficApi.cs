using Jumpstart.Hostd.Traffic;
using Jumpstart.Hostd.Traffic.Capture;
using Jumpstart.Shared.HostApi;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Api;

/// <summary>
/// The traffic methods of the control socket: what is captured, and replacing the classifier model at runtime
/// (the API twin of SIGHUP). A model loaded here lasts until the next reload of the configuration or restart;
/// to keep it, set <c>Traffic:ModelPath</c>.
/// </summary>
public sealed class TrafficApi(TrafficService traffic)
{
    [JsonRpcMethod(HostMethods.FlowsStatus)]
    public TrafficStatus Status() => new()
    {
        Enabled = traffic.DatabasePath is not null,
        Database = traffic.DatabasePath,
        Interfaces = traffic.Interfaces,
        Model = traffic.Labeller.ModelPath,
        Classes = traffic.Labeller.ClassNames,
        Labelled = traffic.Labeller.Labelled,
        Unknown = traffic.Labeller.Unknown,
    };

    [JsonRpcMethod(HostMethods.FlowsModelLoad, UseSingleObjectParameterDeserialization = true)]
    public TrafficStatus LoadModel(ModelLoadRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (traffic.DatabasePath is null)
        {
            throw TrafficException.Disabled("traffic capture is disabled on this host (Traffic:Enabled is false)");
        }

        if (request.Unload && request.Path is not null)
        {
            throw TrafficException.BadRequest("give a model path or unload, not both");
        }

        var path = request.Unload ? null : request.Path ?? traffic.Labeller.ModelPath
            ?? throw TrafficException.BadRequest("no model is active to read again; give a model path");
        try
        {
            traffic.ReplaceModel(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw TrafficException.ModelNotFound($"{ex.Message} (the active model stays: {traffic.Labeller.ModelPath ?? "none"})", ex);
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            throw TrafficException.ModelInvalid($"{ex.Message} (the active model stays: {traffic.Labeller.ModelPath ?? "none"})", ex);
        }

        return Status();
    }
}
