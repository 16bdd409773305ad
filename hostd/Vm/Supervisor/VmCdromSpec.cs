namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>The empty IDE CDROM at a fixed bus and unit.</summary>
public sealed record VmCdromSpec
{
    public const string DefaultId = "cdrom0";

    public string Id { get; init; } = DefaultId;

    /// <summary>The IDE bus (<c>ide.1</c> is the secondary channel on i440fx).</summary>
    public string Bus { get; init; } = "ide.1";

    public int Unit { get; init; }
}
