using System.Buffers.Binary;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Platform;

namespace Jumpstart.Guestd.Identity;

/// <summary>
/// Reseeds the kernel RNG through /dev/urandom: RNDADDENTROPY adds the disc's seed and credits it,
/// then RNDRESEEDCRNG makes the CRNG take it now rather than at its next scheduled reseed, so the
/// very next getrandom() of a clone differs from its siblings'.
/// </summary>
/// <remarks>
/// random(4): "RNDADDENTROPY: Add some additional entropy to the input pool, incrementing the entropy
/// count ... struct rand_pool_info { int entropy_count; int buf_size; __u32 buf[0]; }" and
/// "RNDRESEEDCRNG (since Linux 4.17)". Both require CAP_SYS_ADMIN. Request numbers from
/// include/uapi/linux/random.h: _IOW('R', 0x03, int[2]) and _IO('R', 0x07).
/// </remarks>
public sealed class KernelRandom(string device = KernelRandom.DefaultDevice) : IKernelRandom
{
    public const string DefaultDevice = "/dev/urandom";

    /// <summary>_IOW('R', 0x03, int[2]).</summary>
    public const uint RndAddEntropy = 0x40085203;

    /// <summary>_IO('R', 0x07).</summary>
    public const uint RndReseedCrng = 0x5207;

    /// <summary>rand_pool_info's header: entropy_count and buf_size, two ints.</summary>
    private const int HeaderBytes = 8;

    /// <summary>The kernel caps one RNDADDENTROPY at the pool size; more is pointless and the disc's limit is 4 KiB anyway.</summary>
    public const int MaxSeedBytes = 4096;

    public void Reseed(ReadOnlySpan<byte> seed)
    {
        if (seed.IsEmpty || seed.Length > MaxSeedBytes)
        {
            throw new IdentityException(StepNames.RngReseed, $"a seed must be 1-{MaxSeedBytes} bytes, not {seed.Length}");
        }

        var info = new byte[HeaderBytes + seed.Length];
        BinaryPrimitives.WriteInt32LittleEndian(info, seed.Length * 8);
        BinaryPrimitives.WriteInt32LittleEndian(info.AsSpan(4), seed.Length);
        seed.CopyTo(info.AsSpan(HeaderBytes));
        var fd = LibC.Open(device, LibC.OWrOnly | LibC.OCloExec);
        if (fd < 0)
        {
            throw new IdentityException(StepNames.RngReseed, $"cannot open {device}: {LibC.Describe(LibC.LastError)}");
        }

        try
        {
            if (LibC.IoctlBuffer(fd, RndAddEntropy, info) != 0)
            {
                throw new IdentityException(StepNames.RngReseed, $"RNDADDENTROPY on {device} failed: {LibC.Describe(LibC.LastError)}");
            }

            if (LibC.IoctlValue(fd, RndReseedCrng, 0) != 0)
            {
                throw new IdentityException(StepNames.RngReseed, $"RNDRESEEDCRNG on {device} failed: {LibC.Describe(LibC.LastError)}");
            }
        }
        finally
        {
            Array.Clear(info);
            LibC.Close(fd);
        }
    }
}
