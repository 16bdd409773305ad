using Jumpstart.Hostd.Bake;
using Jumpstart.Shared.Cli;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.GuestImage;

/// <summary>The recipe checks, in process: every refusal names the problem and happens before any work.</summary>
[Trait(Capabilities.Trait, Capabilities.GuestImage)]
public sealed class BakeRecipeReaderTests : IDisposable
{
    private readonly TempDirectory _directory = new("recipe");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Parse_AFullRecipe_ReadsSizePackagesFilesAndCommands()
    {
        File.WriteAllText(_directory.Combine("motd"), "hello\n");
        Directory.CreateDirectory(_directory.Combine("data"));
        File.WriteAllText(_directory.Combine("data", "words.txt"), "a b\n");
        var recipe = Parse("""
            size: 3GiB
            packages: [python3, openssh-server, python3]
            files:
              - source: motd
                destination: /etc/motd
              - source: data/words.txt
                destination: /srv/data/words.txt
                mode: "0600"
            commands:
              - [systemctl, enable, ssh]
              - "echo done > /etc/baked"
            """);

        Assert.Equal(3L << 30, recipe.SizeBytes);
        Assert.Equal(["openssh-server", "python3"], recipe.Packages);
        Assert.Equal("/srv/data/words.txt", recipe.Files[1].Destination);
        Assert.Equal(_directory.Combine("data", "words.txt"), recipe.Files[1].Source);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, recipe.Files[1].Mode);
        Assert.Equal(["systemctl", "enable", "ssh"], recipe.Commands[0]);
        Assert.Equal(["/bin/sh", "-c", "echo done > /etc/baked"], recipe.Commands[1]);
    }

    [Theory]
    [InlineData("size: 512MiB", "too small")]
    [InlineData("size: 2TiB", "over the largest")]
    [InlineData("size: lots", "size:")]
    [InlineData("sise: 2GiB", "unknown key 'sise'")]
    [InlineData("packages: [\"python3=3.11\"]", "not a Debian package name")]
    [InlineData("packages: python3", "packages is not a list")]
    [InlineData("files: [{source: x, destination: /etc/x, owner: root}]", "unknown key 'owner'")]
    [InlineData("commands: [[]]", "each command is")]
    [InlineData("- just\n- a list", "is not a mapping")]
    [InlineData("size: [1", "not valid YAML")]
    public void Parse_ABadRecipe_IsADataError(string text, string expected)
    {
        var ex = Assert.Throws<BakeException>(() => Parse(text));
        Assert.Equal(ExitCodes.DataError, ex.ExitCode);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../outside.txt")]
    [InlineData("link-out")]
    [InlineData("dir-link/outside.txt")]
    public void Parse_AFileOutsideTheRecipesFolder_IsRefused(string source)
    {
        using var outside = new TempDirectory("outside");
        File.WriteAllText(outside.Combine("outside.txt"), "secret\n");
        var folder = _directory.Combine("recipe");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(_directory.Path, "outside.txt"), "secret\n");
        File.CreateSymbolicLink(Path.Combine(folder, "link-out"), outside.Combine("outside.txt"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "dir-link"), outside.Path);

        var ex = Assert.Throws<BakeException>(() => BakeRecipeReader.Parse($"files: [{{source: \"{source}\", destination: /etc/x}}]", Path.Combine(folder, "r.yaml")));
        Assert.Equal(ExitCodes.DataError, ex.ExitCode);
        Assert.Contains("outside the recipe's folder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ALinkThatStaysInside_IsAccepted()
    {
        File.WriteAllText(_directory.Combine("real.txt"), "x\n");
        File.CreateSymbolicLink(_directory.Combine("alias.txt"), "real.txt");
        var recipe = Parse("files: [{source: alias.txt, destination: /etc/x}]");
        Assert.Equal(_directory.Combine("real.txt"), recipe.Files[0].Source);
    }

    [Theory]
    [InlineData("etc/x", "not an absolute")]
    [InlineData("/etc/../root/x", "not an absolute")]
    [InlineData("/etc//x", "not an absolute")]
    [InlineData("/etc/x/", "not an absolute")]
    [InlineData("/proc/sys/x", "which the running system replaces")]
    public void Parse_ABadDestination_IsRefused(string destination, string expected)
    {
        File.WriteAllText(_directory.Combine("f"), "x\n");
        var ex = Assert.Throws<BakeException>(() => Parse($"files: [{{source: f, destination: \"{destination}\"}}]"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AFifoOrADirectory_IsNotARegularFile()
    {
        Directory.CreateDirectory(_directory.Combine("d"));
        Assert.Contains("not a regular file", Assert.Throws<BakeException>(() => Parse("files: [{source: d, destination: /etc/d}]")).Message, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Mono.Unix.Native.Syscall.mkfifo(_directory.Combine("fifo"), Mono.Unix.Native.FilePermissions.DEFFILEMODE);
        }

        Assert.Contains("not a regular file", Assert.Throws<BakeException>(() => Parse("files: [{source: fifo, destination: /etc/f}]")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AMissingFile_IsNoInput()
    {
        var ex = Assert.Throws<BakeException>(() => Parse("files: [{source: nope, destination: /etc/nope}]"));
        Assert.Equal(ExitCodes.NoInput, ex.ExitCode);
    }

    private BakeRecipe Parse(string text) => BakeRecipeReader.Parse(text, _directory.Combine("test.yaml"));
}
