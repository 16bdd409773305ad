using Jumpstart.Hostd.Cluster.Deployments;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Deploy;

/// <summary>A cluster deployment's derived CMS tokens: the same on every holder of the CA key, different for anything else.</summary>
[Trait(Capabilities.Trait, Capabilities.Deploy)]
public sealed class InstanceTokensTests
{
    private static readonly DateTimeOffset s_created = new(2026, 12, 6, 22, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void AManagerLoadingTheSameCaKey_DerivesTheSameTokens_AsLongAsDrawnOnes()
    {
        using var directory = new TempDirectory("tokens");
        var files = new ClusterFiles(directory.Path);
        System.IO.Directory.CreateDirectory(directory.Path);
        using var ca = CertificateAuthority.Create("host-a", DateTimeOffset.UtcNow);
        ca.Save(files);
        using var promoted = CertificateAuthority.Load(files.CaCertificate, files.CaKey);

        var first = new InstanceTokens(ca).Of("fo", s_created);
        var again = new InstanceTokens(promoted).Of("fo", s_created.AddTicks(42));

        Assert.Equal(first("fo-1"), again("fo-1"));
        Assert.Equal(ClonePlanner.TokenBytes * 2, first("fo-1").Length);
        Assert.Matches("^[0-9a-f]+$", first("fo-1"));
    }

    [Fact]
    public void AnotherInstance_Deployment_CreationTime_OrCa_GivesAnotherToken()
    {
        using var ca = CertificateAuthority.Create("host-a", DateTimeOffset.UtcNow);
        using var other = CertificateAuthority.Create("host-a", DateTimeOffset.UtcNow);
        var token = new InstanceTokens(ca).Of("fo", s_created)("fo-1");

        Assert.NotEqual(token, new InstanceTokens(ca).Of("fo", s_created)("fo-2"));
        Assert.NotEqual(token, new InstanceTokens(ca).Of("fp", s_created)("fo-1"));
        Assert.NotEqual(token, new InstanceTokens(ca).Of("fo", s_created.AddMilliseconds(1))("fo-1"));
        Assert.NotEqual(token, new InstanceTokens(other).Of("fo", s_created)("fo-1"));
    }
}
