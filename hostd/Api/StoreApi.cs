using Jumpstart.Hostd.Store;
using Jumpstart.Hostd.Store.Catalog;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Hostd.Store.Server;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Api;

/// <summary>
/// The state-store methods of the control socket, on the catalog named in section <c>Store</c>. One instance per
/// connection, so puts and gets can send progress notes to the client that asked. Paths are the host's: hostd
/// runs as root, so only clients allowed on the control socket reach these.
/// </summary>
public sealed class StoreApi(IOptions<BlockServiceOptions> options, BundleStore bundles, JsonRpcPeer? connection = null, ILogger<FogStore>? logger = null)
{
    private static readonly TimeSpan s_noteInterval = TimeSpan.FromMilliseconds(500);

    [JsonRpcMethod(HostMethods.StoreList)]
    public Task<StoredFileInfo[]> ListAsync() => GuardAsync(() =>
    {
        using var catalog = StoreCatalog.Open(options.Value.Catalog);
        return Task.FromResult(catalog.Files().Select(StoreReports.ToInfo).ToArray());
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

    /// <summary>Stores a host file or directory, or a bundle of this host (as a directory).</summary>
    [JsonRpcMethod(HostMethods.StorePut, UseSingleObjectParameterDeserialization = true)]
    public Task<StorePutResult> PutAsync(StorePutRequest request, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ArgumentNullException.ThrowIfNull(request);
        var source = request.Bundle is { } bundle ? BundleSource(bundle, request.Path) : ExistingSource(HostPath(request.Path, "Path"));
        var put = new PutOptions
        {
            Name = request.Name ?? request.Bundle ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(source)),
            Servers = request.Servers,
            BlockSize = request.BlockSize ?? StoreLimits.DefaultBlockSize,
            Replace = request.Replace,
        };
        using var catalog = StoreCatalog.Open(options.Value.Catalog);
        var store = new FogStore(catalog, logger);
        var total = File.Exists(source) ? new FileInfo(source).Length : (long?)null;
        var result = await WithNotesAsync(HostMethods.StorePut, "stored", total, progress => store.PutPathAsync(source, put, progress, cancellationToken));
        return StoreReports.ToPutResult(result);
    });

    /// <summary>Fetches a stored file to a host path, or restores a stored directory as a bundle of this host and verifies it.</summary>
    [JsonRpcMethod(HostMethods.StoreGet, UseSingleObjectParameterDeserialization = true)]
    public Task<StoreGetResult> GetAsync(StoreGetRequest request, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ArgumentNullException.ThrowIfNull(request);
        using var catalog = StoreCatalog.Open(options.Value.Catalog);
        var file = catalog.GetFile(request.Name).File;
        var target = request.Bundle is { } bundle ? BundleTarget(bundle, file, request) : TargetInExistingDirectory(HostPath(request.Path, "Path"));
        var store = new FogStore(catalog, logger);
        var result = await WithNotesAsync(HostMethods.StoreGet, "fetched", file.Length, progress => store.GetToPathAsync(file.Name, target, request.Replace, progress, cancellationToken));
        var report = StoreReports.ToGetResult(result, target);
        if (request.Bundle is null)
        {
            return report;
        }

        try
        {
            await bundles.VerifyAsync(request.Bundle, cancellationToken);
            return report with { BundleVerified = true };
        }
        catch (BundleException ex)
        {
            return report with { BundleVerified = false, BundleProblem = ex.Message };
        }
    });

    /// <summary>Re-creates lost or corrupt combinations; <c>Auto</c> picks replacements for unreachable servers.</summary>
    [JsonRpcMethod(HostMethods.StoreRepair, UseSingleObjectParameterDeserialization = true)]
    public Task<StoreRepairReport> RepairAsync(StoreRepairRequest request, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ArgumentNullException.ThrowIfNull(request);
        using var catalog = StoreCatalog.Open(options.Value.Catalog);
        var replacements = request.Replace ?? new Dictionary<string, string>(StringComparer.Ordinal);
        var result = await new FogStore(catalog, logger).RepairAsync(request.Name, replacements, request.Auto, cancellationToken);
        return StoreReports.ToRepairReport(result);
    });

    [JsonRpcMethod(HostMethods.StoreRemove, UseSingleObjectParameterDeserialization = true)]
    public Task<bool> RemoveAsync(NameRequest request, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        ArgumentNullException.ThrowIfNull(request);
        using var catalog = StoreCatalog.Open(options.Value.Catalog);
        await new FogStore(catalog, logger).RemoveAsync(request.Name, cancellationToken);
        return true;
    });

    private static string HostPath(string? path, string what)
        => path is null ? throw new StoreUsageException("give Path or Bundle")
            : Path.IsPathFullyQualified(path) ? path
            : throw new StoreUsageException($"{what} '{path}' must be absolute (it is a path on the host)");

    private static string ExistingSource(string path)
        => File.Exists(path) || Directory.Exists(path) ? path : throw new StoreNotFoundException($"no file or directory at {path}");

    private static string TargetInExistingDirectory(string path)
        => Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(path)) is { } parent && !Directory.Exists(parent)
            ? throw new StoreNotFoundException($"no directory {parent} to write {path} in")
            : path;

    private string BundleSource(string bundle, string? path)
    {
        if (path is not null)
        {
            throw new StoreUsageException("give Path or Bundle, not both");
        }

        // A name: this host's own bundle, or one it holds in its cache from a distribution (the path check of PathOf stays for anything else).
        var directory = Path.IsPathFullyQualified(bundle) ? bundles.PathOf(bundle) : bundles.Resolve(bundle);
        return File.Exists(Path.Combine(directory, BundleManifest.FileName))
            ? directory
            : throw new BundleException(bundle, BundleProblem.NotFound, $"no bundle at {directory}");
    }

    private string BundleTarget(string bundle, StoredFile file, StoreGetRequest request)
    {
        if (request.Path is not null)
        {
            throw new StoreUsageException("give Path or Bundle, not both");
        }

        if (file.Kind != StoreKinds.Directory)
        {
            throw new StoreUsageException($"'{file.Name}' is a stored {file.Kind}, not a directory: it cannot be a bundle");
        }

        var directory = bundles.PathOf(bundle);
        if (Directory.Exists(directory) && !request.Replace)
        {
            throw new StoreUsageException($"a bundle named '{bundle}' exists (set Replace to overwrite it)");
        }

        Directory.CreateDirectory(bundles.Root);
        return directory;
    }

    /// <summary>Runs a transfer, sending its byte counts as progress notes that all precede the answer.</summary>
    private async Task<T> WithNotesAsync<T>(string operation, string verb, long? total, Func<IProgress<long>?, Task<T>> transfer)
    {
        if (connection is null)
        {
            return await transfer(null);
        }

        var notes = new NotifyingProgress(connection);
        var bytes = new ByteProgress(total, s_noteInterval, s => notes.Report(new ProgressNote
        {
            Operation = operation,
            Stage = s.Describe(verb),
            BytesDone = s.Done,
            BytesTotal = s.Total,
        }));
        var result = await transfer(bytes);
        bytes.Complete();
        await notes.FlushAsync();
        return result;
    }

    /// <summary>The store's and bundles' exceptions carry their codes; the JSON-RPC layer answers them.</summary>
    private static Task<T> GuardAsync<T>(Func<Task<T>> body) => VmApiErrors.GuardAsync(body);
}
