using System.Runtime.Versioning;
using Jumpstart.Hostd.Store.Catalog;
using Jumpstart.Shared.Sqlite;
using Jumpstart.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Jumpstart.Tests.Store.Catalog;

/// <summary>The fog's catalog as a file: created private, refused when newer or damaged (through the shared SQLite helper).</summary>
[SupportedOSPlatform("linux")]
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class StoreCatalogTests
{
    [Fact]
    public void Open_NewCatalog_IsPrivateAndKeepsServersAcrossReopen()
    {
        using var directory = new TempDirectory("catalog");
        var path = directory.Combine("store", "fog.db");
        using (var catalog = StoreCatalog.Open(path))
        {
            catalog.PutServer(new StoreServer("s0", "127.0.0.1:7000", "token-of-s0-0123456789"));
        }

        using var reopened = StoreCatalog.Open(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(["s0"], reopened.Servers().Select(s => s.Name));
    }

    [Fact]
    public void Open_CatalogOfANewerVersion_IsRefusedWithAStoreCatalogException()
    {
        using var directory = new TempDirectory("catalog");
        var path = directory.Combine("fog.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT; INSERT INTO schema_version VALUES (5);";
            command.ExecuteNonQuery();
        }

        var ex = Assert.Throws<StoreCatalogException>(() => StoreCatalog.Open(path));

        Assert.Contains("schema version 5", ex.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteSchemaException>(ex.InnerException);
    }

    [Fact]
    public void Open_FileThatIsNotACatalog_IsRefusedWithAStoreCatalogException()
    {
        using var directory = new TempDirectory("catalog");
        var path = directory.Combine("fog.db");
        File.WriteAllText(path, new string('z', 5000));

        var ex = Assert.Throws<StoreCatalogException>(() => StoreCatalog.Open(path));

        Assert.IsType<SqliteCorruptException>(ex.InnerException);
    }
}
