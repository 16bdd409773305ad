using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Cms.Storage;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Sqlite;
using Jumpstart.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Jumpstart.Tests.Cms;

[Trait(Capabilities.Trait, Capabilities.Cms)]
public sealed class CmsPersistenceTests
{
    [Fact]
    public async Task Restart_KeepsRegistrationsRolesAndReports()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 3));
        var master = await bed.RegisterAsync("d1", 1);
        var worker = await bed.RegisterAsync("d1", 0);
        await bed.ReportAsync("d1", 1, InstancePhase.Ready, "serving");

        await bed.RestartAsync();
        var masterAgain = await bed.RegisterAsync("d1", 1);
        var workerAgain = await bed.RegisterAsync("d1", 0);
        var late = await bed.RegisterAsync("d1", 2);
        var status = await bed.StatusAsync("d1");

        Assert.Equal(master.Role, masterAgain.Role);
        Assert.Equal(worker.Role, workerAgain.Role);
        Assert.Equal(worker.Variables["WORKER_INDEX"], workerAgain.Variables["WORKER_INDEX"]);
        Assert.Equal("worker", late.Role);
        Assert.Equal("1", late.Variables["WORKER_INDEX"]);
        var reported = Assert.Single(status.Instances, i => i.InstanceId == CmsTestBed.InstanceId(1));
        Assert.Equal(InstancePhase.Ready, reported.Phase);
        Assert.Equal("serving", reported.Detail);
    }

    [Fact]
    public async Task Open_CreatesAWalDatabaseWithASchemaVersion()
    {
        await using var bed = await CmsTestBed.StartAsync();

        await using var connection = new SqliteConnection($"Data Source={bed.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode; ";
        var mode = (string?)await command.ExecuteScalarAsync();
        command.CommandText = "SELECT version FROM schema_version;";
        var version = Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal("wal", mode);
        Assert.Equal(CmsStore.CurrentSchemaVersion, version);
    }

    [Fact]
    public async Task Open_DatabaseFromANewerCms_IsRefusedAndLeftAlone()
    {
        using var directory = new TempDirectory("cms");
        var path = directory.Combine("cms.db");
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT; INSERT INTO schema_version VALUES (99);";
            await command.ExecuteNonQueryAsync();
        }

        var ex = await Assert.ThrowsAsync<CmsStoreException>(() => CmsService.OpenAsync(path, CmsTestBed.AdminToken));

        Assert.Contains("99", ex.Message, StringComparison.Ordinal);
        Assert.Equal(99, Assert.IsType<SqliteSchemaException>(ex.InnerException).FoundVersion);
    }

    [Fact]
    public async Task Open_FileThatIsNotADatabase_ThrowsCmsStoreException()
    {
        using var directory = new TempDirectory("cms");
        var path = directory.Combine("cms.db");
        await File.WriteAllTextAsync(path, new string('x', 4096));

        var ex = await Assert.ThrowsAsync<CmsStoreException>(() => CmsService.OpenAsync(path, CmsTestBed.AdminToken));

        Assert.IsType<SqliteCorruptException>(ex.InnerException);
        Assert.Equal(new string('x', 4096), await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Database_StoresTokenDigestsNotTokens()
    {
        await using var bed = await CmsTestBed.StartAsync();
        await bed.CreateAsync(CmsTestBed.Spec("d1", 2));
        bed.Service.Dispose();

        var bytes = await File.ReadAllBytesAsync(bed.DatabasePath);
        var wal = File.Exists(bed.DatabasePath + "-wal") ? await File.ReadAllBytesAsync(bed.DatabasePath + "-wal") : [];

        var token = System.Text.Encoding.UTF8.GetBytes(CmsTestBed.TokenOf("d1", 0));
        Assert.Equal(-1, bytes.AsSpan().IndexOf(token));
        Assert.Equal(-1, wal.AsSpan().IndexOf(token));
    }
}
