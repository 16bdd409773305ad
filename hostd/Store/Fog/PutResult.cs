using Jumpstart.Hostd.Store.Catalog;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>What a put did.</summary>
public sealed record PutResult(StoredFile File, int Combinations, long StoredBytes, double Seconds);
