using System.Net;
using System.Text.Json;
using Jumpstart.Hostd.Cli;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cms;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cms;

/// <summary><c>jumpstart cms serve</c> and <c>jumpstart deployment ...</c>, run in-process against a real server.</summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
public sealed class CmsCliTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    private const string YamlSpec = """
        deploymentId: hadoop
        policy:
          kind: master-workers
          masterSelection: lowest-rank
        instances:
          - instanceId: nn
            token: token-nn-0123456789
            rank: 0
          - instanceId: dn1
            token: token-dn1-0123456789
            rank: 1
        roles:
          worker:
            files:
              - path: /etc/hadoop/master
                mode: "0644"
                content: "${MASTER_ADDRESS}\n"
            commands:
              - [/usr/bin/systemctl, restart, hadoop-datanode]
        """;

    [Fact]
    public async Task ServeCreateShowListDelete_WorkEndToEnd()
    {
        using var directory = new TempDirectory("cms-cli");
        var tokenFile = directory.Combine("admin.token");
        var (serve, endPoint, stop, output) = await StartServeAsync(directory, tokenFile);
        var specFile = directory.Combine("spec.yaml");
        await File.WriteAllTextAsync(specFile, YamlSpec);
        string[] connection = ["--cms", endPoint, "--admin-token-file", tokenFile];

        var create = await RunAsync(["deployment", "create", "--spec", specFile, .. connection]);
        var show = await RunAsync(["deployment", "show", "hadoop", "--json", .. connection]);
        var table = await RunAsync(["deployment", "show", "hadoop", .. connection]);
        var list = await RunAsync(["deployment", "list", .. connection]);
        var delete = await RunAsync(["deployment", "delete", "hadoop", .. connection]);
        var empty = await RunAsync(["deployment", "list", "--json", .. connection]);
        await stop.CancelAsync();
        var serveExit = await serve.WaitAsync(s_bound);

        Assert.Equal(ExitCodes.Ok, create.Exit);
        Assert.Contains("created deployment hadoop", create.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, show.Exit);
        var status = JsonSerializer.Deserialize<DeploymentStatus>(show.Output, JsonSerializerOptions.Web)!;
        Assert.Equal(2, status.Expected);
        Assert.Equal(["dn1", "nn"], status.Instances.Select(i => i.InstanceId).Order());
        Assert.Contains("0/2 registered", table.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^hadoop\s+master-workers\s+2\s+0\s+0\s+0$", list.Output);
        Assert.Equal(ExitCodes.Ok, delete.Exit);
        Assert.Equal("[]", empty.Output.Trim());
        Assert.Equal(ExitCodes.Ok, serveExit);
        Assert.Contains("stopped", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeploymentCommands_MapFailuresToExitCodes()
    {
        using var directory = new TempDirectory("cms-cli");
        var tokenFile = directory.Combine("admin.token");
        var (serve, endPoint, stop, _) = await StartServeAsync(directory, tokenFile);
        var wrongToken = directory.Combine("wrong.token");
        await File.WriteAllTextAsync(wrongToken, "not-the-admin-token\n");
        var specFile = directory.Combine("spec.yaml");
        await File.WriteAllTextAsync(specFile, YamlSpec);
        var badYaml = directory.Combine("bad.yaml");
        await File.WriteAllTextAsync(badYaml, "deploymentId: [unclosed\n");
        string[] connection = ["--cms", endPoint, "--admin-token-file", tokenFile];

        var wrong = await RunAsync(["deployment", "list", "--cms", endPoint, "--admin-token-file", wrongToken]);
        var missingSpec = await RunAsync(["deployment", "create", "--spec", directory.Combine("none.yaml"), .. connection]);
        var invalid = await RunAsync(["deployment", "create", "--spec", badYaml, .. connection]);
        var first = await RunAsync(["deployment", "create", "--spec", specFile, .. connection]);
        var duplicate = await RunAsync(["deployment", "create", "--spec", specFile, .. connection]);
        var unknown = await RunAsync(["deployment", "show", "nope", .. connection]);
        var badAddress = await RunAsync(["deployment", "list", "--cms", "not an address", "--admin-token-file", tokenFile]);
        await stop.CancelAsync();
        await serve.WaitAsync(s_bound);
        var unreachable = await RunAsync(["deployment", "list", .. connection]);

        Assert.Equal(ExitCodes.Failure, wrong.Exit);
        Assert.Contains($"code {CmsErrorCodes.Unauthorized}", wrong.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NoInput, missingSpec.Exit);
        Assert.Equal(ExitCodes.DataError, invalid.Exit);
        Assert.Equal(ExitCodes.Ok, first.Exit);
        Assert.Equal(ExitCodes.Failure, duplicate.Exit);
        Assert.Contains("already exists", duplicate.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, unknown.Exit);
        Assert.Equal(ExitCodes.Usage, badAddress.Exit);
        Assert.Equal(ExitCodes.Unavailable, unreachable.Exit);
    }

    [Fact]
    public async Task Serve_WithADatabaseFromTheFuture_ExitsWithAConfigurationError()
    {
        using var directory = new TempDirectory("cms-cli");
        var db = directory.Combine("cms.db");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (42);";
            await command.ExecuteNonQueryAsync();
        }

        var result = await RunAsync(["cms", "serve", "--listen", "127.0.0.1:0", "--db", db, "--admin-token-file", directory.Combine("t")]);

        Assert.Equal(ExitCodes.Config, result.Exit);
        Assert.Contains("schema version 42", result.Error, StringComparison.Ordinal);
    }

    private static async Task<(Task<int> Serve, string EndPoint, CancellationTokenSource Stop, LineWriter Output)> StartServeAsync(TempDirectory directory, string tokenFile)
    {
        var output = new LineWriter();
        var stop = new CancellationTokenSource();
        var serve = JumpstartCli.RunAsync(
            ["cms", "serve", "--listen", "127.0.0.1:0", "--db", directory.Combine("cms.db"), "--admin-token-file", tokenFile],
            output,
            TextWriter.Null,
            stop.Token);
        var line = await output.ReadLineAsync(s_bound);
        Assert.StartsWith(CmsCommands.ListeningPrefix, line, StringComparison.Ordinal);
        var endPoint = line[CmsCommands.ListeningPrefix.Length..];
        Assert.True(IPEndPoint.TryParse(endPoint, out var parsed) && parsed.Port != 0, line);
        return (serve, endPoint, stop, output);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await JumpstartCli.RunAsync(args, output, error).WaitAsync(s_bound);
        return (exit, output.ToString(), error.ToString());
    }
}
