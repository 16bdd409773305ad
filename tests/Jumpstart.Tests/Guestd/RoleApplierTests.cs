using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Roles;
using Jumpstart.Shared.Cms;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Guestd;

[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RoleApplierTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _root = new("guestd-roles");
    private readonly RoleApplier _applier = new(NullLogger<RoleApplier>.Instance);

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Apply_WritesFilesWithExactlyTheGivenModes()
    {
        var assignment = Assignment(
            new RoleFile { Path = "/etc/app/secret.conf", Mode = "0600", Content = "key=1\n" },
            new RoleFile { Path = "/usr/local/bin/start-app", Mode = "0755", Content = "#!/bin/sh\n" },
            new RoleFile { Path = "/etc/app/public.conf", Mode = "644", Content = "x\n" });

        await _applier.ApplyAsync(assignment, _root.Path, Empty(), s_timeout, CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_root.Combine("etc/app/secret.conf")));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(_root.Combine("usr/local/bin/start-app")));
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(_root.Combine("etc/app/public.conf")));
        Assert.Equal("key=1\n", await File.ReadAllTextAsync(_root.Combine("etc/app/secret.conf")));
    }

    [Fact]
    public async Task Apply_WritesContentAsReceived_WithoutExpandingItAgain()
    {
        var assignment = Assignment(new RoleFile { Path = "/etc/role.env", Content = "MASTER=10.0.0.2 LITERAL=${MASTER_ADDRESS}\n" }) with
        {
            Variables = new Dictionary<string, string> { ["MASTER_ADDRESS"] = "10.0.0.2" },
        };

        await _applier.ApplyAsync(assignment, _root.Path, Empty(), s_timeout, CancellationToken.None);

        Assert.Equal("MASTER=10.0.0.2 LITERAL=${MASTER_ADDRESS}\n", await File.ReadAllTextAsync(_root.Combine("etc/role.env")));
    }

    [Theory]
    [InlineData("/../outside")]
    [InlineData("/etc/../../outside")]
    [InlineData("relative/path")]
    [InlineData("/etc/")]
    public async Task Apply_PathLeavingTheRoot_IsRefusedAndWritesNothing(string path)
    {
        var ex = await Assert.ThrowsAsync<GuestConfigException>(
            () => _applier.ApplyAsync(Assignment(new RoleFile { Path = path, Content = "x" }), _root.Path, Empty(), s_timeout, CancellationToken.None));

        Assert.Equal(StepNames.ApplyRole, ex.Step);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root.Path));
    }

    [Theory]
    [InlineData("0644 ")]
    [InlineData("0o644")]
    [InlineData("08")]
    [InlineData("10644")]
    [InlineData("")]
    public void ParseMode_RejectsAnythingButOctal(string mode)
    {
        Assert.Throws<GuestConfigException>(() => RoleApplier.ParseMode(mode));
    }

    [Fact]
    public async Task Apply_RunsCommandsAsArgvWithVariablesInTheEnvironment()
    {
        var output = _root.Combine("out");
        var assignment = Assignment() with
        {
            // As the CMS sends them: the role's name reaches the commands only through its variables.
            Variables = new Dictionary<string, string> { ["MASTER_ADDRESS"] = "10.0.0.2", ["JUMPSTART_ROLE"] = "worker" },
            Configuration = new RoleConfiguration
            {
                Commands =
                [
                    ["/bin/sh", "-c", "printf '%s|%s|%s' \"$MASTER_ADDRESS\" \"$JUMPSTART_ROLE\" \"$1\" > \"$2\"", "sh", "a b; $(id)", output],
                ],
            },
        };

        await _applier.ApplyAsync(assignment, _root.Path, Empty(), s_timeout, CancellationToken.None);

        Assert.Equal("10.0.0.2|worker|a b; $(id)", await File.ReadAllTextAsync(output));
    }

    [Fact]
    public async Task Apply_FailingCommand_StopsBeforeTheNextOne()
    {
        var marker = _root.Combine("second-ran");
        var assignment = Assignment() with
        {
            Configuration = new RoleConfiguration { Commands = [["/bin/sh", "-c", "echo nope >&2; exit 4"], ["/usr/bin/touch", marker]] },
        };

        var ex = await Assert.ThrowsAsync<GuestConfigException>(() => _applier.ApplyAsync(assignment, _root.Path, Empty(), s_timeout, CancellationToken.None));

        Assert.Contains("exit 4: nope", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Apply_RoleNameNeverSeenBefore_IsAppliedLikeAnyOther()
    {
        var output = _root.Combine("out");
        var assignment = new RoleAssignment
        {
            Role = "quorum-witness-7",
            Variables = new Dictionary<string, string> { ["JUMPSTART_ROLE"] = "quorum-witness-7", ["PEERS"] = "10.0.0.5 10.0.0.6" },
            Configuration = new RoleConfiguration
            {
                Files = [new RoleFile { Path = "/etc/witness/peers", Mode = "0600", Content = "10.0.0.5\n10.0.0.6\n" }],
                Commands = [["/bin/sh", "-c", "printf '%s|%s' \"$JUMPSTART_ROLE\" \"$PEERS\" > \"$1\"", "sh", output]],
            },
        };

        await _applier.ApplyAsync(assignment, _root.Path, Empty(), s_timeout, CancellationToken.None);

        Assert.Equal("10.0.0.5\n10.0.0.6\n", await File.ReadAllTextAsync(_root.Combine("etc", "witness", "peers")));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(_root.Combine("etc", "witness", "peers")));
        Assert.Equal("quorum-witness-7|10.0.0.5 10.0.0.6", await File.ReadAllTextAsync(output));
    }

    [Fact]
    public async Task Apply_VariableWithAnInvalidName_IsRefused()
    {
        var assignment = Assignment() with { Variables = new Dictionary<string, string> { ["BAD=NAME"] = "x" } };

        await Assert.ThrowsAsync<GuestConfigException>(() => _applier.ApplyAsync(assignment, _root.Path, Empty(), s_timeout, CancellationToken.None));
    }

    private static RoleAssignment Assignment(params RoleFile[] files) => new()
    {
        Role = "worker",
        MasterAddress = "10.0.0.2",
        Configuration = new RoleConfiguration { Files = files },
    };

    private static Dictionary<string, string?> Empty() => [];
}
