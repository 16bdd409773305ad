using System.Text.Json;
using Jumpstart.Hostd.Classification;
using Jumpstart.Hostd.Cli;
using Jumpstart.Shared.Cli;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Classification;

/// <summary><c>jumpstart classify train|predict|show|evaluate</c>, run in-process.</summary>
[Trait(Capabilities.Trait, Capabilities.Classifier)]
public sealed class ClassifyCliTests : IDisposable
{
    private readonly TempDirectory _temp = new("classify-cli");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Train_ThenShowAndPredict_UseTheSavedModel()
    {
        var train = WriteFlows("train.csv", SyntheticFlows.Make(120, seed: 6), hideEvery: 3);
        var test = WriteFlows("test.csv", SyntheticFlows.Make(50, seed: 6, sample: 1));
        var model = _temp.Combine("flows.model");

        var (code, output, error) = await RunAsync("classify", "train", train, "--output", model, "--theta", "4", "--json");

        Assert.True(code == ExitCodes.Ok, error);
        using var trained = JsonDocument.Parse(output);
        Assert.Equal("co-forest", trained.RootElement.GetProperty("algorithm").GetString());
        Assert.Equal(160, trained.RootElement.GetProperty("unlabeled").GetInt32());
        var (showCode, shown, _) = await RunAsync("classify", "show", model);
        Assert.Equal(ExitCodes.Ok, showCode);
        Assert.Contains("algorithm: co-forest, voting Majority, theta 4", shown, StringComparison.Ordinal);
        Assert.Contains("tree 5:", shown, StringComparison.Ordinal);
        var (predictCode, predicted, _) = await RunAsync("classify", "predict", model, test, "--json");
        Assert.Equal(ExitCodes.Ok, predictCode);
        using var predictions = JsonDocument.Parse(predicted);
        Assert.Equal(200, predictions.RootElement.GetProperty("predictions").GetArrayLength());
        Assert.InRange(predictions.RootElement.GetProperty("error").GetDouble(), 0, 0.25);
    }

    [Fact]
    public async Task Predict_Text_PrintsOneLinePerFlowThenCountsAndError()
    {
        var train = WriteFlows("train.csv", SyntheticFlows.Make(80, seed: 6));
        var model = _temp.Combine("j48.model");
        Assert.Equal(ExitCodes.Ok, (await RunAsync("classify", "train", train, "-o", model, "--algorithm", "j48")).Code);

        var (code, output, _) = await RunAsync("classify", "predict", model, train);

        Assert.Equal(ExitCodes.Ok, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(320, lines.Count(l => char.IsDigit(l[0])));
        Assert.Matches(@"^0\tapp\d\t[01]\.\d{3}\t1/1$", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("label: app", StringComparison.Ordinal));
        Assert.StartsWith("error: 0.", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_WithoutOutputOrWithAnUnknownAlgorithm_ExitsWithUsage()
    {
        var train = WriteFlows("train.csv", SyntheticFlows.Make(20, seed: 6));

        Assert.Equal(ExitCodes.Usage, (await RunAsync("classify", "train", train)).Code);
        var (code, _, error) = await RunAsync("classify", "train", train, "-o", _temp.Combine("m"), "--algorithm", "svm");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("unknown 'svm'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_WithACorruptModelOrMissingFileOrOtherFeatures_ExitsWithDataOrNoInput()
    {
        var train = WriteFlows("train.csv", SyntheticFlows.Make(20, seed: 6));
        var model = _temp.Combine("m.model");
        Assert.Equal(ExitCodes.Ok, (await RunAsync("classify", "train", train, "-o", model, "--algorithm", "random-forest")).Code);
        var bytes = await File.ReadAllBytesAsync(model);
        bytes[bytes.Length / 2] ^= 1;
        await File.WriteAllBytesAsync(_temp.Combine("corrupt.model"), bytes);
        var other = _temp.Combine("other.csv");
        await File.WriteAllTextAsync(other, "x,y,class\n1,2,app0\n");

        var corrupt = await RunAsync("classify", "predict", _temp.Combine("corrupt.model"), train);
        var missing = await RunAsync("classify", "predict", _temp.Combine("absent.model"), train);
        var mismatch = await RunAsync("classify", "predict", model, other);

        Assert.Equal(ExitCodes.DataError, corrupt.Code);
        Assert.Contains("checksum mismatch", corrupt.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NoInput, missing.Code);
        Assert.Equal(ExitCodes.DataError, mismatch.Code);
        Assert.Contains("differ from the model's", mismatch.Error, StringComparison.Ordinal);
    }

    [ToolFact("gnuplot")]
    public async Task Evaluate_OnGeneratedFlows_PrintsTheTablesWritesTheChartAndExportsTheSplits()
    {
        var data = WriteFlows("flows.csv", SyntheticFlows.Make(150, seed: 8));
        var chart = _temp.Combine("errors.png");
        var splits = _temp.Combine("splits");

        var (code, output, error) = await RunAsync("classify", "evaluate", data, "--repeats", "2", "--per-class", "60", "--rates", "20,80", "--chart", chart, "--export-splits", splits);

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("J4.8    RandomTree  Bagging  RandomForest  CoForest-initial  CoForest-final  improvement", output, StringComparison.Ordinal);
        Assert.Contains("adaptability", output, StringComparison.Ordinal);
        Assert.Contains("unknown class", output, StringComparison.Ordinal);
        Assert.Contains("classify: split 4/4", error, StringComparison.Ordinal);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await File.ReadAllBytesAsync(chart))[..4]);
        Assert.True(File.Exists(Path.Combine(splits, "r01-u80-labeled.arff")));
        Assert.True(File.Exists(Path.Combine(splits, "r00-test.csv")));
        var labeled = FlowDatasetCsv.Load(Path.Combine(splits, "r00-u80-labeled.csv"));
        Assert.Equal(4 * 12, labeled.Count);
    }

    [Fact]
    public async Task Evaluate_Json_ReportsEverySplitAndTheSameNumbersForTheSameSeed()
    {
        var data = WriteFlows("flows.csv", SyntheticFlows.Make(100, seed: 8));
        string[] args = ["classify", "evaluate", data, "--repeats", "1", "--per-class", "50", "--rates", "40", "--no-adaptability", "--no-unknown", "--json"];

        var first = await RunAsync(args);
        var second = await RunAsync(args);

        Assert.Equal(ExitCodes.Ok, first.Code);
        using var report = JsonDocument.Parse(first.Output);
        Assert.Equal(1, report.RootElement.GetProperty("splits").GetArrayLength());
        Assert.Equal(first.Output.Split("\"seconds\"")[0], second.Output.Split("\"seconds\"")[0]);
    }

    [Fact]
    public async Task Evaluate_WithBadRates_ExitsWithUsage()
    {
        var data = WriteFlows("flows.csv", SyntheticFlows.Make(10, seed: 8));

        var (code, _, error) = await RunAsync("classify", "evaluate", data, "--rates", "20,120");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--rates", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_OnTooFewFlows_ExitsWithDataError()
    {
        var data = _temp.Combine("tiny.csv");
        await File.WriteAllTextAsync(data, "a,b,class\n1,2,x\n3,4,y\n");

        var (code, _, error) = await RunAsync("classify", "evaluate", data, "--repeats", "1");

        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("too few flows", error, StringComparison.Ordinal);
    }

    private string WriteFlows(string name, FlowDataset data, int hideEvery = 0)
    {
        var labels = hideEvery > 0 ? data.Labels.Select((l, i) => i % hideEvery == 0 ? -1 : l).ToArray() : data.Labels;
        var path = _temp.Combine(name);
        FlowDatasetCsv.Save(new FlowDataset(data.FeatureNames, data.ClassNames, data.Features, labels), path);
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
