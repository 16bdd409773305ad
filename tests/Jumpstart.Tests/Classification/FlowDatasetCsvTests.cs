using Jumpstart.Hostd.Classification;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Classification;

[Trait(Capabilities.Trait, Capabilities.Classifier)]
public sealed class FlowDatasetCsvTests
{
    [Fact]
    public void WriteThenRead_GivesTheSameFlows()
    {
        var data = SyntheticFlows.Make(perClass: 20, seed: 1);
        using var writer = new StringWriter();
        FlowDatasetCsv.Write(data, writer);

        var read = FlowDatasetCsv.Read(new StringReader(writer.ToString()), "x");

        Assert.Equal(data.FeatureNames, read.FeatureNames);
        Assert.Equal(data.ClassNames, read.ClassNames);
        Assert.Equal(data.Features, read.Features);
        Assert.Equal(data.Labels, read.Labels);
    }

    [Fact]
    public void Read_WithoutAClassColumnOrWithEmptyClasses_GivesUnlabeledFlows()
    {
        var read = FlowDatasetCsv.Read(new StringReader("a,b\n1,2\n3,4\n"), "x");
        var mixed = FlowDatasetCsv.Read(new StringReader("a,class,b\n1,web,2\n3,,4\n"), "x");

        Assert.Equal([-1, -1], read.Labels);
        Assert.Equal([0, -1], mixed.Labels);
        Assert.Equal([1.0, 2, 3, 4], mixed.Features);
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "", "empty file" },
        { "a,b,class\n1,2\n", "x:2: 2 fields" },
        { "a,b,class\n1,2,web\n1,zz,web\n", "x:3: column 'b' is not a finite number" },
        { "a,b,class\n1,NaN,web\n", "not a finite number" },
        { "a,a,class\n1,2,web\n", "appears twice" },
        { "a,b,class\n1," + new string('9', 70_000) + ",web\n", "longer than" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Read_OfAMalformedFile_NamesTheProblemAndTheLine(string text, string expected)
    {
        var error = Assert.Throws<ClassificationDataException>(() => FlowDatasetCsv.Read(new StringReader(text), "x"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WithFixedClasses_RefusesAClassTheModelDoesNotKnow()
    {
        var error = Assert.Throws<ClassificationDataException>(() => FlowDatasetCsv.Read(new StringReader("a,class\n1,ftp\n"), "x", ["web", "dns"]));

        Assert.Contains("'ftp' is not one of the model's classes", error.Message, StringComparison.Ordinal);
    }
}
