using Jumpstart.Hostd.Bundles;
using Jumpstart.Hostd.Clones;

namespace Jumpstart.Hostd.Vm;

/// <summary>The VM capability's parts, wired for one accelerator.</summary>
public sealed record VmServices(Accelerator Accelerator, VmSupervisor Supervisor, BundleStore Store, TemplateBuilder Templates, CloneOrchestrator Clones);
