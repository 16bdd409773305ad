using Jumpstart.Hostd.Images;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Api;

/// <summary>
/// The image methods of the control socket. One instance per connection, so fills and copies can
/// send progress notes to the client that asked.
/// </summary>
public sealed class ImageApi(ImageService images, JsonRpcPeer connection)
{
    [JsonRpcMethod(HostMethods.ImageAdd, UseSingleObjectParameterDeserialization = true)]
    public Task<ImageInfo> AddAsync(ImageAddRequest request, CancellationToken cancellationToken)
        => VmApiErrors.GuardAsync(() => images.AddAsync(request, cancellationToken));

    [JsonRpcMethod(HostMethods.ImageList)]
    public Task<ImageInfo[]> ListAsync() => VmApiErrors.GuardAsync(() => Task.FromResult(images.List()));

    [JsonRpcMethod(HostMethods.ImageRemove, UseSingleObjectParameterDeserialization = true)]
    public Task<bool> RemoveAsync(NameRequest request, CancellationToken cancellationToken)
        => VmApiErrors.GuardAsync(() => images.RemoveAsync(request.Name, cancellationToken));

    [JsonRpcMethod(HostMethods.ImageStats, UseSingleObjectParameterDeserialization = true)]
    public Task<ImageStats> StatsAsync(NameRequest request) => VmApiErrors.GuardAsync(() => Task.FromResult(images.Stats(request.Name)));

    [JsonRpcMethod(HostMethods.ImageSwitch, UseSingleObjectParameterDeserialization = true)]
    public Task<ImageInfo> SwitchAsync(ImageSwitchRequest request, CancellationToken cancellationToken)
        => VmApiErrors.GuardAsync(() => images.SwitchAsync(request, cancellationToken));

    [JsonRpcMethod(HostMethods.ImageFill, UseSingleObjectParameterDeserialization = true)]
    public Task<ImageInfo> FillAsync(ImageFillRequest request, CancellationToken cancellationToken) => VmApiErrors.GuardAsync(async () =>
    {
        var progress = new NotifyingProgress(connection);
        var image = await images.FillAsync(request, Stage(progress, HostMethods.ImageFill), cancellationToken);
        await progress.FlushAsync();
        return image;
    });

    [JsonRpcMethod(HostMethods.ImageReplicate, UseSingleObjectParameterDeserialization = true)]
    public Task<ImageInfo> ReplicateAsync(ImageReplicateRequest request, CancellationToken cancellationToken) => VmApiErrors.GuardAsync(async () =>
    {
        var progress = new NotifyingProgress(connection);
        var image = await images.ReplicateAsync(request, Stage(progress, HostMethods.ImageReplicate), cancellationToken);
        await progress.FlushAsync();
        return image;
    });

    private static Progress<string> Stage(NotifyingProgress progress, string operation)
        => new(line => progress.Report(new ProgressNote { Operation = operation, Stage = line }));
}
