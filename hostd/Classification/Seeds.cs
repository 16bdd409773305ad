namespace Jumpstart.Hostd.Classification;

/// <summary>
/// Derives independent, reproducible seeds (SplitMix64 finalizer, Steele et al. 2014), so every
/// tree and round gets its own <see cref="Random"/> and results do not depend on thread scheduling.
/// </summary>
internal static class Seeds
{
    public static int Derive(int seed, int a, int b = 0)
    {
        var z = unchecked(((ulong)(uint)seed << 32) ^ ((ulong)(uint)a * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)b * 0xD1B54A32D192ED03UL));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    public static Random For(int seed, int a, int b = 0) => new(Derive(seed, a, b));
}
