using Jumpstart.Hostd.Classification;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Classification;

/// <summary>
/// Issue 13 §5: a character device, a FIFO, a directory or an oversize file given as a model or a data set. Before,
/// <c>classify show /dev/zero</c> grew the CLI to 4.2 GB and ended with an unhandled exception (exit 1). The real CLI
/// now refuses each in a line, exit 65, with its memory near its start.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Classifier)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class HostileModelFileTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(HostileFiles.Kinds), MemberType = typeof(HostileFiles))]
    public async Task ClassifyShow_OfANonRegularOrOversizeModel_ExitsDataErrorInBoundedMemory(string kind)
    {
        using var dir = new TempDirectory("hostile-model");
        var path = HostileFiles.Make(dir, kind, ClassificationLimits.MaxModelFileBytes, ".model");

        var run = await HostileFiles.RunCliAsync("classify", "show", path);

        output.WriteLine($"{kind}: {run}");

        run.AssertRefused($"{path} {HostileFiles.Refusal(kind, ClassificationLimits.MaxModelFileBytes)}");
        Assert.Contains("not a model file", run.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HostileFiles.Kinds), MemberType = typeof(HostileFiles))]
    public async Task ClassifyTrain_OnANonRegularOrOversizeDataSet_ExitsDataErrorInBoundedMemory(string kind)
    {
        using var dir = new TempDirectory("hostile-model");
        var path = HostileFiles.Make(dir, kind, ClassificationLimits.MaxDatasetFileBytes, ".csv");

        var run = await HostileFiles.RunCliAsync("classify", "train", path, "--output", dir.Combine("out.model"));

        output.WriteLine($"{kind}: {run}");

        run.AssertRefused($"{path} {HostileFiles.Refusal(kind, ClassificationLimits.MaxDatasetFileBytes)}");
        Assert.False(File.Exists(dir.Combine("out.model")));
    }
}
