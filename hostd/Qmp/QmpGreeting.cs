namespace Jumpstart.Hostd.Qmp;

/// <summary>What QEMU says on connect: its version and the capabilities it offers.</summary>
public sealed record QmpGreeting(int Major, int Minor, int Micro, string Package, IReadOnlyList<string> Capabilities)
{
    public string Version => $"{Major}.{Minor}.{Micro}";
}
