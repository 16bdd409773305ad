namespace Jumpstart.Hostd.Store;

/// <summary>What a put did.</summary>
public sealed record PutResult(StoredFile File, int Combinations, long StoredBytes, double Seconds);
