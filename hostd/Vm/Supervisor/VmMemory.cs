namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>Where a VM's RAM lives.</summary>
/// <param name="File">Null: anonymous memory. Otherwise a <c>memory-backend-file</c> on this file.</param>
/// <param name="Shared">
/// With a file: <c>share=on</c> (MAP_SHARED, the template writes its RAM into the file) or <c>share=off</c>
/// (MAP_PRIVATE, a clone maps the bundle's RAM copy-on-write and never changes it).
/// </param>
public sealed record VmMemory(string? File = null, bool Shared = false)
{
    public static VmMemory Anonymous { get; } = new();
}
