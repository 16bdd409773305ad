using Jumpstart.Hostd.Cli;
using Jumpstart.Shared.Cli;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Traffic;

/// <summary>A flow database the CLI cannot use is a typed answer with its exit code, never an internal error (70).</summary>
[Trait(Capabilities.Trait, Capabilities.Flows)]
public sealed class FlowDatabaseErrorTests
{
    [Fact]
    public async Task Top_OnAFileThatIsNotADatabase_IsADataError()
    {
        using var dir = new TempDirectory("flowdb");
        var db = dir.Combine("flows.db");
        await File.WriteAllTextAsync(db, new string('x', 8192));

        var (code, error) = await RunAsync("flows", "top", "--db", db);

        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("not a database", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Top_OnADatabaseOfANewerVersion_IsADataError_AndTheFileIsUntouched()
    {
        using var dir = new TempDirectory("flowdb");
        var db = dir.Combine("flows.db");
        using (var newer = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
        {
            newer.Open();
            using var command = newer.CreateCommand();
            command.CommandText = "CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT; INSERT INTO schema_version VALUES (99);";
            command.ExecuteNonQuery();
        }

        var before = await File.ReadAllBytesAsync(db);

        var (code, error) = await RunAsync("flows", "top", "--db", db);

        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("schema version 99", error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(db));
    }

    private static async Task<(int Code, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, error.ToString());
    }
}
