using Jumpstart.Hostd.Classification;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Classification;

[Trait(Capabilities.Trait, Capabilities.Classifier)]
public sealed class FeatureMapTests
{
    [Fact]
    public void Fill_FromAReorderedWiderVector_GivesTheModelsOrder()
    {
        var map = FeatureMap.Create(["a", "b", "c"], ["c", "x", "a", "b"]);
        var target = new double[3];

        map.Fill([3.0, 99, 1, 2], target);

        Assert.Equal([1.0, 2, 3], target);
        Assert.False(map.IsIdentity);
        Assert.True(FeatureMap.Create(["a", "b"], ["a", "b"]).IsIdentity);
    }

    [Fact]
    public void Create_WhenTheFlowsLackAModelFeature_NamesIt()
    {
        var error = Assert.Throws<ClassificationDataException>(() => FeatureMap.Create(["a", "duration"], ["a"]));

        Assert.Contains("duration", error.Message, StringComparison.Ordinal);
    }
}
