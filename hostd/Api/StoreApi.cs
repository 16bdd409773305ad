using Jumpstart.Hostd.Store;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Api;

/// <summary>The state-store methods of the control socket, on the catalog named in section <c>Store</c>.</summary>
public sealed class StoreApi(IOptions<BlockServiceOptions> options)
{
    [JsonRpcMethod(HostMethods.StoreList)]
    public Task<StoredFileInfo[]> ListAsync() => GuardAsync(() =>
    {
        using var catalog = StoreCatalog.Open(options.Value.Catalog);
        return Task.FromResult(catalog.Files().Select(f => new StoredFileInfo
        {
            Name = f.Name,
            Kind = f.Kind,
            Length = f.Length,
            BlockSize = f.BlockSize,
            Servers = f.Servers,
            Stripes = f.Stripes,
            Created = f.Created,
        }).ToArray());
    });

    [JsonRpcMethod(HostMethods.StoreVerify, UseSingleObjectParameterDeserialization = true)]
    public Task<StoreVerifyReport> VerifyAsync(NameRequest request, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ArgumentNullException.ThrowIfNull(request);
        using var catalog = StoreCatalog.Open(options.Value.Catalog);
        var result = await new FogStore(catalog).VerifyAsync(request.Name, null, cancellationToken);
        return new StoreVerifyReport
        {
            Name = result.File.Name,
            Checked = result.Checked,
            Intact = result.Intact,
            Recoverable = result.Recoverable,
            LostStripes = result.LostStripes,
            Problems = [.. result.Problems.Select(p => p.ToString())],
        };
    });

    private static async Task<T> GuardAsync<T>(Func<Task<T>> body)
    {
        try
        {
            return await body();
        }
        catch (StoreNotFoundException ex)
        {
            throw new LocalRpcException(HostErrorCodes.NotFound, ex.Message);
        }
        catch (StoreException ex)
        {
            throw new LocalRpcException(HostErrorCodes.Unavailable, ex.Message);
        }
    }
}
