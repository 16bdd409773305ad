using System.Runtime.Versioning;
using Jumpstart.Shared.Cms;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cms;

/// <summary>The user-supplied policy, run as a real executable through the shared process runner.</summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
[SupportedOSPlatform("linux")]
public sealed class ExternalPolicyTests
{
    private const string Python = "/usr/bin/python3";

    // Reads the CMS's JSON: the first instance becomes "leader", later ones "follower" and learn the
    // leader's id; it also echoes what it saw so the test can check the input document.
    private const string LeaderFollowerPolicy = """
        import json, sys
        doc = json.load(sys.stdin)
        me = doc["instance"]
        leaders = [i for i in doc["instances"] if i["role"] == "leader"]
        out = {"variables": {"SEEN_HOST": me["hostname"], "SEEN_EXPECTED": str(doc["deployment"]["expected"])}}
        if leaders:
            out["role"] = "follower"
            out["variables"]["LEADER_ID"] = leaders[0]["instanceId"]
        else:
            out["role"] = "leader"
        print(json.dumps(out))
        """;

    private static async Task<(CmsTestBed Bed, string Executable)> StartAsync(string body, string interpreter = Python, int timeoutMs = 10_000)
    {
        var bed = await CmsTestBed.StartAsync();
        var executable = bed.Directory.Combine("policy");
        await File.WriteAllTextAsync(executable, $"#!{interpreter}\n{body}\n");
        File.SetUnixFileMode(executable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3, new PolicySpec { Kind = "external", Executable = executable, TimeoutMs = timeoutMs }));
        return (bed, executable);
    }

    [ToolFact(Python)]
    public async Task Register_WithAGoodPolicy_StoresItsRoleAndVariables()
    {
        var (bed, _) = await StartAsync(LeaderFollowerPolicy);
        await using var _ = bed;

        var leader = await bed.RegisterAsync("d1", 1);
        var follower = await bed.RegisterAsync("d1", 0);
        var followerAgain = await bed.RegisterAsync("d1", 0);

        Assert.Equal("leader", leader.Role);
        Assert.Equal("follower", follower.Role);
        Assert.Equal(CmsTestBed.InstanceId(1), follower.Variables["LEADER_ID"]);
        Assert.Equal("host-0", follower.Variables["SEEN_HOST"]);
        Assert.Equal("3", follower.Variables["SEEN_EXPECTED"]);
        Assert.Equal("follower", followerAgain.Role);
    }

    public static TheoryData<string, string, string> BadPolicies => new()
    {
        { "prints invalid JSON", "/bin/sh", "cat >/dev/null; echo '{not json'" },
        { "prints no role", "/bin/sh", "cat >/dev/null; echo '{\"variables\":{}}'" },
        { "prints a role with a slash", "/bin/sh", "cat >/dev/null; echo '{\"role\":\"../master\"}'" },
        { "prints a bad variable name", "/bin/sh", "cat >/dev/null; echo '{\"role\":\"x\",\"variables\":{\"A B\":\"1\"}}'" },
        { "exits non-zero", "/bin/sh", "cat >/dev/null; echo '{\"role\":\"master\"}'; echo 'no quorum' >&2; exit 3" },
        { "prints nothing", "/bin/sh", "cat >/dev/null" },
    };

    [ToolTheory("/bin/sh")]
    [MemberData(nameof(BadPolicies))]
    public async Task Register_WhenThePolicyMisbehaves_FailsWithPolicyFailedAndStoresNothing(string why, string interpreter, string body)
    {
        var (bed, _) = await StartAsync(body, interpreter);
        await using var _ = bed;

        var ex = await CmsAssert.RefusedAsync(CmsErrorCodes.PolicyFailed, () => bed.RegisterAsync("d1", 0));
        var status = await bed.StatusAsync("d1");

        Assert.False(string.IsNullOrWhiteSpace(ex.Message), why);
        Assert.Equal(0, status.Registered);
        Assert.All(status.Instances, i => Assert.Equal(InstancePhase.Waiting, i.Phase));
        Assert.All(status.Instances, i => Assert.Null(i.Role));
    }

    [ToolFact("/bin/sh")]
    public async Task Register_WhenThePolicyExitsNonZero_SaysSoWithItsStderr()
    {
        var (bed, _) = await StartAsync("cat >/dev/null; echo 'no quorum' >&2; exit 3", "/bin/sh");
        await using var _ = bed;

        var ex = await CmsAssert.RefusedAsync(CmsErrorCodes.PolicyFailed, () => bed.RegisterAsync("d1", 0));

        Assert.Contains("exited with 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no quorum", ex.Message, StringComparison.Ordinal);
    }

    [ToolFact("/bin/sh")]
    public async Task Register_WhenThePolicyHangs_TimesOutWithPolicyFailedAndStoresNothing()
    {
        var (bed, _) = await StartAsync("exec sleep 60", "/bin/sh", timeoutMs: 300);
        await using var _ = bed;

        var ex = await CmsAssert.RefusedAsync(CmsErrorCodes.PolicyFailed, () => bed.RegisterAsync("d1", 0).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("did not answer", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await bed.StatusAsync("d1")).Registered);
    }

    [ToolFact("/bin/sh")]
    public async Task Register_WhenThePolicyExecutableVanished_FailsWithPolicyFailed()
    {
        var (bed, executable) = await StartAsync("echo '{\"role\":\"x\"}'", "/bin/sh");
        await using var _ = bed;
        File.Delete(executable);

        await CmsAssert.RefusedAsync(CmsErrorCodes.PolicyFailed, () => bed.RegisterAsync("d1", 0));

        Assert.Equal(0, (await bed.StatusAsync("d1")).Registered);
    }
}
