namespace Jumpstart.Shared.Sqlite;

/// <summary>
/// One step of a database's schema: the SQL that brings version <see cref="Version"/> - 1 to <see cref="Version"/>.
/// Versions start at 1 and follow each other without gaps; a step, once released, is never edited (add a new one).
/// </summary>
public sealed record SqliteMigration(int Version, string Sql);
