using Jumpstart.Hostd.Qmp;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Api;

/// <summary>The one place the VM and image layers' exceptions become JSON-RPC errors with <see cref="HostErrorCodes"/>.</summary>
internal static class VmApiErrors
{
    public static Task<T> GuardAsync<T>(Func<Task<T>> body) => GuardAsync(body, Translate);

    /// <summary>Runs <paramref name="body"/>; an exception <paramref name="translate"/> maps becomes that JSON-RPC error, others pass.</summary>
    public static async Task<T> GuardAsync<T>(Func<Task<T>> body, Func<Exception, LocalRpcException?> translate)
    {
        try
        {
            return await body();
        }
        catch (Exception ex) when (translate(ex) is { } error)
        {
            throw error;
        }
    }

    private static LocalRpcException? Translate(Exception ex) => ex switch
    {
        BundleException { Problem: BundleProblem.NotFound } e => new LocalRpcException(HostErrorCodes.NotFound, e.Message),
        BundleException e => new LocalRpcException(HostErrorCodes.BundleInvalid, e.Message, new { problem = e.Problem.ToString() }),
        VmSpecException e => new LocalRpcException(HostErrorCodes.SpecMismatch, e.Message, new { problems = e.Problems }),
        ClonePlanException e => new LocalRpcException(HostErrorCodes.InvalidRequest, e.Message),
        VmNotFoundException e => new LocalRpcException(HostErrorCodes.NotFound, e.Message),
        KeyNotFoundException e => new LocalRpcException(HostErrorCodes.NotFound, e.Message),
        InvalidDataException e => new LocalRpcException(HostErrorCodes.InvalidRequest, e.Message),
        MetadataException e => new LocalRpcException(HostErrorCodes.InvalidRequest, e.Message),
        ArgumentException e => new LocalRpcException(HostErrorCodes.InvalidRequest, e.Message),
        VmStartException or QmpException or IOException => new LocalRpcException(HostErrorCodes.VmFailed, ex.Message),
        InvalidOperationException e => new LocalRpcException(HostErrorCodes.Unavailable, e.Message),
        _ => null,
    };
}
