using System.Buffers;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>
/// Buffers for READ replies and WRITE payloads: up to <see cref="PooledLimit"/> from the shared pool; larger ones
/// allocated for one request and dropped after it, and their memory handed back to the system once the server has
/// been quiet for a while (<see cref="TrimIfQuiet"/>).
/// </summary>
/// <remarks>
/// Large arrays are never pooled: ArrayPool.Shared keeps returned arrays per core and per thread, so two hostile
/// connections left 2.9 GB cached after they closed. Dropped arrays are only garbage until a full collection runs, and
/// none runs when nothing is allocated any more: the burst's memory stayed resident (178 MB of 176 MB peak, 40 s
/// after the attack). So when large buffers were used and none for <see cref="QuietPeriod"/>, the server asks for one
/// aggressive collection, which also decommits the freed regions.
/// </remarks>
internal static class NbdBuffers
{
    /// <summary>Largest buffer taken from (and returned to) the shared pool.</summary>
    public const int PooledLimit = 1024 * 1024;

    /// <summary>Large buffers allocated since the last collection before one is worth it.</summary>
    public const long TrimThreshold = 32L * 1024 * 1024;

    /// <summary>How long no large buffer may have been allocated before the collection.</summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(2);

    private static long s_largeSinceTrim;
    private static long s_lastLarge;

    public static byte[] Rent(int length)
    {
        if (length <= PooledLimit)
        {
            return ArrayPool<byte>.Shared.Rent(length);
        }

        Interlocked.Add(ref s_largeSinceTrim, length);
        Volatile.Write(ref s_lastLarge, Environment.TickCount64);
        return GC.AllocateUninitializedArray<byte>(length);
    }

    public static void Return(byte[]? buffer)
    {
        if (buffer is not null && buffer.Length <= PooledLimit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Collects once after a burst of large buffers, when the calling server holds none and no large buffer
    /// was allocated for <see cref="QuietPeriod"/>; called once a second by every server.</summary>
    public static void TrimIfQuiet(bool serverIdle)
    {
        var large = Interlocked.Read(ref s_largeSinceTrim);
        if (!serverIdle || large < TrimThreshold || Environment.TickCount64 - Volatile.Read(ref s_lastLarge) < QuietPeriod.TotalMilliseconds)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref s_largeSinceTrim, 0, large) == large)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }
}
