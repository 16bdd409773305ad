using Jumpstart.Hostd.Cms.Storage;

namespace Jumpstart.Hostd.Cms.Policies;

/// <summary>What a policy decides from: the deployment, the registering instance (with its new identity) and the whole waiting list.</summary>
internal sealed record PolicyInput(DeploymentRecord Deployment, InstanceRecord Instance, IReadOnlyList<InstanceRecord> Instances);
