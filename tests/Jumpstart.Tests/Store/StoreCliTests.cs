using System.Security.Cryptography;
using System.Text.Json;
using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Xunit;

namespace Jumpstart.Tests.Store;

/// <summary>The real <c>jumpstart store</c> CLI: output, JSON, progress, exit codes, directories (state bundles).</summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class StoreCliTests
{
    [Fact]
    public async Task Cli_PutListVerifyGet_RoundTripsAFileWithJsonAndProgress()
    {
        using var directory = new TempDirectory("store-cli");
        await using var cluster = await StoreCluster.StartAsync(directory, 4, processes: false);
        var source = directory.Combine("state.bin");
        await File.WriteAllBytesAsync(source, RandomNumberGenerator.GetBytes(3_000_001));

        var put = await cluster.CliAsync("store", "put", source, "--json");
        Assert.True(put.ExitCode == 0, put.StandardError);
        using (var json = JsonDocument.Parse(put.StandardOutput))
        {
            Assert.Equal("state.bin", json.RootElement.GetProperty("name").GetString());
            Assert.Equal(3_000_001, json.RootElement.GetProperty("length").GetInt64());
        }

        Assert.Contains("put: ", put.StandardError, StringComparison.Ordinal);
        var list = await cluster.CliAsync("store", "list");
        Assert.Contains("state.bin", list.StandardOutput, StringComparison.Ordinal);
        var verify = await cluster.CliAsync("store", "verify", "state.bin");
        Assert.Equal(0, verify.ExitCode);
        Assert.Contains("intact", verify.StandardOutput, StringComparison.Ordinal);

        var output = directory.Combine("back.bin");
        var get = await cluster.CliAsync("store", "get", "state.bin", "--output", output);
        Assert.True(get.ExitCode == 0, get.StandardError);
        Assert.Equal(await File.ReadAllBytesAsync(source), await File.ReadAllBytesAsync(output));
    }

    [Fact]
    public async Task Cli_PutOfADirectory_GetsBackTheSameTree()
    {
        using var directory = new TempDirectory("store-cli-dir");
        await using var cluster = await StoreCluster.StartAsync(directory, 3, processes: false);
        var bundle = directory.Combine("bundle");
        Directory.CreateDirectory(Path.Combine(bundle, "sub"));
        await File.WriteAllBytesAsync(Path.Combine(bundle, "memory.state"), RandomNumberGenerator.GetBytes(700_000));
        await File.WriteAllTextAsync(Path.Combine(bundle, "sub", "manifest.json"), "{\"v\":1}");

        var put = await cluster.CliAsync("store", "put", bundle, "--name", "tmpl-1");
        Assert.True(put.ExitCode == 0, put.StandardError);
        var back = directory.Combine("back");
        var get = await cluster.CliAsync("store", "get", "tmpl-1", "--output", back);
        Assert.True(get.ExitCode == 0, get.StandardError);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(bundle, "memory.state")), await File.ReadAllBytesAsync(Path.Combine(back, "memory.state")));
        Assert.Equal("{\"v\":1}", await File.ReadAllTextAsync(Path.Combine(back, "sub", "manifest.json")));
    }

    [Fact]
    public async Task Cli_BadRequests_ExitWithTheirSysexitsCodes()
    {
        using var directory = new TempDirectory("store-cli-codes");
        await using var cluster = await StoreCluster.StartAsync(directory, 3, processes: false);
        var source = directory.Combine("x");
        await File.WriteAllTextAsync(source, "x");

        Assert.Equal(66, (await cluster.CliAsync("store", "get", "nope", "--output", directory.Combine("o"))).ExitCode);
        Assert.Equal(64, (await cluster.CliAsync("store", "put", source, "--servers", "s0,s1")).ExitCode);
        Assert.Equal(64, (await cluster.CliAsync("store", "put", source, "--servers", "s0,s1,zz")).ExitCode);
        Assert.Equal(64, (await cluster.CliAsync("store", "put", source, "--block-size", "12")).ExitCode);
        Assert.Equal(66, (await cluster.CliAsync("store", "put", directory.Combine("missing"))).ExitCode);
        Assert.Equal(0, (await cluster.CliAsync("store", "put", source)).ExitCode);
        Assert.Equal(64, (await cluster.CliAsync("store", "put", source)).ExitCode);
        Assert.Equal(0, (await cluster.CliAsync("store", "put", source, "--replace")).ExitCode);

        // A fog holding the wrong token for s2: the server refuses it (77) and 'servers list --check' says so.
        var badToken = directory.Combine("bad.token");
        await File.WriteAllTextAsync(badToken, "not-the-right-token-at-all\n");
        Assert.Equal(0, (await cluster.CliAsync("store", "servers", "add", "s2", cluster.EndPointOf(2).ToString(), "--token-file", badToken)).ExitCode);
        var refused = await cluster.CliAsync("store", "put", source, "--name", "y");
        Assert.Equal(77, refused.ExitCode);
        Assert.Contains("refused the token", refused.StandardError, StringComparison.Ordinal);
        var check = await cluster.CliAsync("store", "servers", "list", "--check");
        Assert.Contains("s2\t", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("DOWN", check.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_RepairAuto_WithNoFreeServer_Exits65AndNamesWhatWasNotRecreated()
    {
        using var directory = new TempDirectory("store-cli-auto");
        await using var cluster = await StoreCluster.StartAsync(directory, 3, processes: false);
        var source = directory.Combine("f.bin");
        await File.WriteAllBytesAsync(source, RandomNumberGenerator.GetBytes(100_000));
        Assert.Equal(0, (await cluster.CliAsync("store", "put", source, "--block-size", "4KiB")).ExitCode);
        await cluster.StopAsync(1);

        var repair = await cluster.CliAsync("store", "repair", "f.bin", "--auto");

        Assert.True(repair.ExitCode == 65, repair.StandardOutput + repair.StandardError);
        Assert.Contains("not repaired: server s1 is unreachable and no free registered server can take its role", repair.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("combination(s) were not re-created", repair.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(["s0", "s1", "s2"], cluster.Catalog.GetFile("f.bin").File.Servers);
    }

    [Fact]
    public async Task Cli_PutAndGetOfABundle_GoThroughARealHostd()
    {
        using var directory = new TempDirectory("store-cli-hostd");
        await using var cluster = await StoreCluster.StartAsync(directory, 3, processes: false);
        using var listener = NotifyListener.AtPath(directory.Combine("notify"));
        var config = $$"""{ "Hostd": { "NodeName": "hv-store" }, "Store": { "Catalog": "{{cluster.CatalogPath}}" } }""";
        await using var daemon = HostdUnderTest.Start(directory, config, listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);
        var bundles = new BundleStore(directory.Combine("state"));
        await HandMadeBundle.WriteAsync(bundles, "tmpl-a", 2_000_000);
        var socket = directory.Combine("run", "hostd.sock");

        var put = await CliAsync("store", "put", "--bundle", "tmpl-a", "--socket", socket, "--json");
        Assert.True(put.Code == 0, put.Error);
        using (var json = JsonDocument.Parse(put.Output))
        {
            Assert.Equal("directory", json.RootElement.GetProperty("kind").GetString());
        }

        Assert.Contains("[store.put] stored: ", put.Error, StringComparison.Ordinal);
        var get = await CliAsync("store", "get", "tmpl-a", "--bundle", "tmpl-b", "--socket", socket);
        Assert.True(get.Code == 0, get.Error);
        Assert.Contains("bundle verified", get.Output, StringComparison.Ordinal);
        await bundles.VerifyAsync("tmpl-b", CancellationToken.None);
        Assert.Equal(ExitCodes.NoInput, (await CliAsync("store", "get", "nope", "--bundle", "tmpl-c", "--socket", socket)).Code);
    }

    private static async Task<(int Code, string Output, string Error)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
