using Jumpstart.Tests.Deploy;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.ControlPlane;

/// <summary>
/// <see cref="ClusterDeployScenarios"/> with the manager on a real etcd and its CMS following it there (issue 20: the
/// same deployment scenarios as the single-manager tests pass on this backend; F ends complete instead of interrupted,
/// <see cref="EtcdDeployClusterFixture.StateAfterManagerRestart"/>). It runs in the serial guest-VM collection, after the
/// parallel tests, ClusterDeployTests among them: the two beds' templates and clones under TCG at once on two cores
/// starved both (as DeploymentFailoverTests' and ClusterDeployTests' templates did).
/// </summary>
[Trait(Capabilities.Trait, Capabilities.ControlPlane)]
[TestCaseOrderer(ByNameOrderer.TypeName, ByNameOrderer.AssemblyName)]
[Collection(GuestVmsCollection.Name)]
public sealed class ClusterDeployOnEtcdTests(EtcdDeployClusterFixture fixture) : ClusterDeployScenarios(fixture), IClassFixture<EtcdDeployClusterFixture>;
