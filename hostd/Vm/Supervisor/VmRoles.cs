namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>Values of <see cref="VmLaunch.Role"/>.</summary>
public static class VmRoles
{
    public const string Template = "template";
    public const string Clone = "clone";
    public const string Probe = "probe";
}
