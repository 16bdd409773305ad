using Jumpstart.Hostd.Traffic.Features;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Flows;

/// <summary>
/// Agreement with nDPI's reference outputs over its 384 test captures in ../shared/data/ndpi (team
/// data, not part of the product): skipped when absent, failing under CI=true.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class NdpiOracleTests(ITestOutputHelper output)
{
    [Fact]
    public void Flows_AgreeWithNdpiReferenceOutputs_OnAtLeast99PercentOfFlows()
    {
        var data = NdpiOracle.FindDataDirectory(AppContext.BaseDirectory);
        if (data is null)
        {
            Assert.False(Requirements.InCi, "../shared/data/ndpi is missing (the oracle must run in CI)");
            return;
        }

        var agreement = NdpiOracle.Compare(data, FlowTableOptions.NdpiCompatible);
        output.WriteLine(agreement.Table());
        foreach (var line in agreement.Differences.Take(50))
        {
            output.WriteLine(line);
        }

        Assert.True(agreement.ReferenceFlows > 7_000, $"only {agreement.ReferenceFlows} reference flows parsed");
        Assert.True(agreement.ExactFraction >= 0.99, agreement.Table());
    }

    [Fact]
    public void NimsFeatureNames_AreTheNimsCsvHeaderInOrder()
    {
        var data = NdpiOracle.FindDataDirectory(AppContext.BaseDirectory);
        var csv = data is null ? null : Path.Combine(data, "..", "nims", "nims-22.csv");
        if (csv is null || !File.Exists(csv))
        {
            Assert.False(Requirements.InCi, "../shared/data/nims/nims-22.csv is missing");
            return;
        }

        using var reader = new StreamReader(csv);
        var header = reader.ReadLine()!.Split(',');
        Assert.Equal([.. NimsFeatures.Names, NimsFeatures.ClassColumn], header);
    }
}
