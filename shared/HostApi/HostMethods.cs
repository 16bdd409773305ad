namespace Jumpstart.Shared.HostApi;

/// <summary>
/// JSON-RPC methods of hostd's local control socket (/run/jumpstart/hostd.sock), which the
/// <c>jumpstart</c> CLI uses. Access is decided by the socket file's owner, group and mode.
/// </summary>
public static class HostMethods
{
    /// <summary>Returns <see cref="HostStatus"/>.</summary>
    public const string Status = "host.status";

    /// <summary>Server-to-client notification with a <see cref="ProgressNote"/> during a long call.</summary>
    public const string Progress = "progress";

    /// <summary>Boots a template and suspends it into a bundle: <see cref="TemplateCreateRequest"/> -> <see cref="BundleInfo"/>.</summary>
    public const string TemplateCreate = "template.create";

    /// <summary>Lists the bundles on this host: -> <see cref="BundleInfo"/>[].</summary>
    public const string TemplateList = "template.list";

    /// <summary>Deletes a bundle: <see cref="NameRequest"/>.</summary>
    public const string TemplateRemove = "template.remove";

    /// <summary>Checks a bundle's parts against its manifest: <see cref="NameRequest"/> -> <see cref="BundleInfo"/>.</summary>
    public const string BundleVerify = "bundle.verify";

    /// <summary>Resumes clones from a bundle, planning their identities (and their CMS deployment) itself: <see cref="CloneRequest"/> -> <see cref="CloneReport"/>.</summary>
    public const string Clone = "clone.create";

    /// <summary>Cold-boots VMs with their discs inserted: <see cref="BootRequest"/> -> <see cref="CloneReport"/>.</summary>
    public const string VmBoot = "vm.boot";

    /// <summary>Lists the VMs: -> <see cref="VmInfo"/>[].</summary>
    public const string VmList = "vm.list";

    /// <summary>Stops a VM and removes its files: <see cref="NameRequest"/>.</summary>
    public const string VmStop = "vm.stop";

    /// <summary>The tail of a VM's serial console: <see cref="ConsoleRequest"/> -> string.</summary>
    public const string VmConsole = "vm.console";

    /// <summary>Serves an image: <see cref="ImageAddRequest"/> -> <see cref="ImageInfo"/>.</summary>
    public const string ImageAdd = "image.add";

    /// <summary>Lists the images this host serves: -> <see cref="ImageInfo"/>[].</summary>
    public const string ImageList = "image.list";

    /// <summary>Stops serving an image (its files stay): <see cref="NameRequest"/>.</summary>
    public const string ImageRemove = "image.remove";

    /// <summary>An image's counters: <see cref="NameRequest"/> -> <see cref="ImageStats"/>.</summary>
    public const string ImageStats = "image.stats";

    /// <summary>Fills a pseudo image (progress notes): <see cref="ImageFillRequest"/> -> <see cref="ImageInfo"/>.</summary>
    public const string ImageFill = "image.fill";

    /// <summary>Switches a pseudo image's upstream live: <see cref="ImageSwitchRequest"/> -> <see cref="ImageInfo"/>.</summary>
    public const string ImageSwitch = "image.switch";

    /// <summary>Copies an image here and serves it (progress notes): <see cref="ImageReplicateRequest"/> -> <see cref="ImageInfo"/>.</summary>
    public const string ImageReplicate = "image.replicate";

    /// <summary>The files in this host's state store: -> <see cref="StoredFileInfo"/>[].</summary>
    public const string StoreList = "store.list";

    /// <summary>Fetches and checks every combination of a stored file: <see cref="NameRequest"/> -> <see cref="StoreVerifyReport"/>.</summary>
    public const string StoreVerify = "store.verify";

    /// <summary>Stores a host file, directory or bundle (progress notes): <see cref="StorePutRequest"/> -> <see cref="StorePutResult"/>.</summary>
    public const string StorePut = "store.put";

    /// <summary>Fetches a stored file to a host path or restores it as a bundle (progress notes): <see cref="StoreGetRequest"/> -> <see cref="StoreGetResult"/>.</summary>
    public const string StoreGet = "store.get";

    /// <summary>Re-creates lost or corrupt combinations, optionally on new servers: <see cref="StoreRepairRequest"/> -> <see cref="StoreRepairReport"/>.</summary>
    public const string StoreRepair = "store.repair";

    /// <summary>Forgets a stored file and deletes its combinations from the servers that answer: <see cref="NameRequest"/>.</summary>
    public const string StoreRemove = "store.remove";

    /// <summary>Traffic capture and the active classifier model: -> <see cref="TrafficStatus"/>.</summary>
    public const string FlowsStatus = "flows.status";

    /// <summary>Replaces the model that labels live flows, keeping the old one if the file is bad: <see cref="ModelLoadRequest"/> -> <see cref="TrafficStatus"/>.</summary>
    public const string FlowsModelLoad = "flows.model.load";

    /// <summary>The default socket path; overridden with <c>--socket</c> or <c>JUMPSTART_SOCKET</c>.</summary>
    public const string DefaultSocketPath = "/run/jumpstart/hostd.sock";

    /// <summary>Environment variable that overrides the CLI's socket path.</summary>
    public const string SocketEnvironmentVariable = "JUMPSTART_SOCKET";
}
