using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Hostd.Vm.Templates;


namespace Jumpstart.Hostd.Vm;

/// <summary>The VM capability's parts, wired for one accelerator.</summary>
public sealed record VmServices(Accelerator Accelerator, VmSupervisor Supervisor, BundleStore Store, TemplateBuilder Templates, CloneOrchestrator Clones);
