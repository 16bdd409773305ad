using System.Text.Json.Serialization;

namespace Jumpstart.Hostd.Store.Catalog;

/// <summary>A block server the fog may place combinations on.</summary>
/// <param name="Name">The fog's name for it.</param>
/// <param name="Endpoint">host:port of its block protocol.</param>
/// <param name="Token">The token this fog presents there (never printed).</param>
public sealed record StoreServer(string Name, string Endpoint, [property: JsonIgnore] string Token);
