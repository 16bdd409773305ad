using Xunit;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// The package tests boot one container at a time and share one package build: on two cores, parallel
/// containers (each installing a 100 MB package) would starve each other and the rest of the suite.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackagingCollection
{
    public const string Name = "Packages under a real systemd";

    public const string DpkgBuildpackage = "dpkg-buildpackage";
    public const string Rpmbuild = "rpmbuild";
}
