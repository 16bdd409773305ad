using Jumpstart.Hostd.Bake;
using Jumpstart.Shared.Cli;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.GuestImage;

/// <summary>
/// The real <c>jumpstart image bake</c> refusing bad recipes: the exit code, one clear line, and nothing started (no
/// work directory, no image in the cache), in seconds and bounded memory.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.GuestImage)]
public sealed class BakeCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new("bake-cli");

    public void Dispose() => _directory.Dispose();

    [ToolFact("apt-cache")]
    public async Task Bake_WithAPackageTheArchiveLacks_ExitsDataErrorBeforeAnyWork()
    {
        var recipe = Write("packages: [openssh-server, jumpstart-no-such-package]");
        var run = await BakeAsync(recipe);
        output.WriteLine(run.ToString());
        run.AssertRefused("the archive has no package jumpstart-no-such-package");
        AssertNothingBaked();
    }

    [Fact]
    public async Task Bake_WithAFileOutsideTheRecipesFolder_ExitsDataError()
    {
        File.WriteAllText(_directory.Combine("secret"), "x\n");
        Directory.CreateDirectory(_directory.Combine("recipe"));
        var recipe = Write("files: [{source: ../secret, destination: /etc/secret}]", "recipe/r.yaml");
        var run = await BakeAsync(recipe);
        output.WriteLine(run.ToString());
        run.AssertRefused("is outside the recipe's folder");
        AssertNothingBaked();
    }

    [Fact]
    public async Task Bake_WithTooSmallASize_ExitsDataError()
    {
        var run = await BakeAsync(Write("size: 256MiB"));
        output.WriteLine(run.ToString());
        run.AssertRefused("is too small: the base system alone needs");
        AssertNothingBaked();
    }

    [Fact]
    public async Task Bake_WithoutARecipeFile_ExitsNoInput()
    {
        var run = await BakeAsync(_directory.Combine("missing.yaml"));
        Assert.Equal(ExitCodes.NoInput, run.ExitCode);
        Assert.Contains("no recipe file", run.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [Trait(Capabilities.Trait, Capabilities.Hostile)]
    [MemberData(nameof(HostileFiles.Kinds), MemberType = typeof(HostileFiles))]
    public async Task Bake_WithANonRegularOrOversizeRecipe_ExitsDataErrorInBoundedMemory(string kind)
    {
        var path = HostileFiles.Make(_directory, kind, BakeLimits.MaxRecipeBytes, ".yaml");
        var run = await BakeAsync(path);
        output.WriteLine($"{kind}: {run}");
        run.AssertRefused($"{path} {HostileFiles.Refusal(kind, BakeLimits.MaxRecipeBytes)}");
        AssertNothingBaked();
    }

    private string Write(string text, string name = "test.yaml")
    {
        var path = _directory.Combine(name);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    private Task<CliRun> BakeAsync(string recipe)
        => HostileFiles.RunCliAsync("image", "bake", recipe, "--guest-package", _directory.Combine("never-read.deb"), "--cache", _directory.Combine("cache"), "--quiet");

    private void AssertNothingBaked()
        => Assert.True(!Directory.Exists(_directory.Combine("cache")) || Directory.GetFileSystemEntries(_directory.Combine("cache")).Length == 0, "the refused bake left something in the cache");
}
