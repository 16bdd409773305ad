using Jumpstart.Hostd.Qmp;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Api;

/// <summary>
/// Lifts the lower layers' own exceptions that reach the VM methods (QMP, metadata discs) into the VM area's
/// hierarchy. Area exceptions (<see cref="VmException"/>, bundles, images, the store) already carry their code, and the
/// JSON-RPC layer answers them; built-in .NET exceptions are never mapped: they are bugs and become Internal error.
/// </summary>
internal static class VmApiErrors
{
    public static async Task<T> GuardAsync<T>(Func<Task<T>> body)
    {
        try
        {
            return await body();
        }
        catch (QmpException ex)
        {
            throw new VmFailedException(ex.Message, ex);
        }
        catch (MetadataException ex)
        {
            throw new VmRequestException(ex.Message, ex);
        }
    }
}
