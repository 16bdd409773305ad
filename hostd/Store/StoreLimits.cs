namespace Jumpstart.Hostd.Store;

/// <summary>Sizes and bounds of the state store, in one place.</summary>
public static class StoreLimits
{
    /// <summary>Default length of a block (and of every combination): one AES-GCM chunk of ciphertext plus its tag.</summary>
    public const int DefaultBlockSize = 1 << 20;

    /// <summary>Smallest block size accepted (it must hold a GCM tag and some data).</summary>
    public const int MinBlockSize = 4096;

    /// <summary>Largest block size accepted; also the largest payload a block server takes in one request.</summary>
    public const int MaxBlockSize = 8 << 20;

    /// <summary>Fewest servers a file can be spread over (one loss must leave enough, and no server may hold everything).</summary>
    public const int MinServers = 3;

    /// <summary>Most servers one file is spread over (a stripe has at most this many combinations).</summary>
    public const int MaxServers = 16;

    /// <summary>AES-GCM tag length at the end of every encrypted block (what a block holds beyond its plaintext).</summary>
    public const int CipherTagLength = 16;

    /// <summary>AES-256 key length.</summary>
    public const int FileKeyLength = 32;

    /// <summary>Length of the random number kept with each combination for its integrity check.</summary>
    public const int CombinationNonceLength = 16;

    /// <summary>HMAC-SHA256 tag length.</summary>
    public const int MacLength = 32;

    /// <summary>Length of a stored object's name: 16 random bytes as lowercase hex.</summary>
    public const int ObjectIdLength = 32;

    /// <summary>Longest name a stored file may have in the fog's catalog.</summary>
    public const int MaxFileNameLength = 200;

    /// <summary>Most bytes one put reads from a file (1 TiB): a file that grows while it is stored is refused past it.</summary>
    public const long MaxFileBytes = 1L << 40;

    /// <summary>Most bytes read from the token file of <c>store servers add</c> (its first line is the token).</summary>
    public const int MaxTokenFileBytes = 64 * 1024;

    /// <summary>Stripes encoded, sent or fetched at once by one put or get (bounds memory to a few stripes).</summary>
    public const int StripesInFlight = 4;
}
