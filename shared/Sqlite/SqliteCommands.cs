using Microsoft.Data.Sqlite;

namespace Jumpstart.Shared.Sqlite;

/// <summary>Builds the parameterized commands the stores run (null values bound as SQL NULL).</summary>
public static class SqliteCommands
{
    /// <summary>A command of <paramref name="sql"/> on <paramref name="connection"/> in <paramref name="transaction"/>, with named parameters.</summary>
    public static SqliteCommand Create(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parameters);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
