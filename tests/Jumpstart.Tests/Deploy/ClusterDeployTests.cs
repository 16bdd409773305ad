using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Deploy;

/// <summary><see cref="ClusterDeployScenarios"/> with the manager and its CMS on SQLite, the default store.</summary>
[Trait(Capabilities.Trait, Capabilities.Deploy)]
[TestCaseOrderer(ByNameOrderer.TypeName, ByNameOrderer.AssemblyName)]
public sealed class ClusterDeployTests(DeployClusterFixture fixture) : ClusterDeployScenarios(fixture), IClassFixture<DeployClusterFixture>;
