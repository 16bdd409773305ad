namespace Jumpstart.Guestd.Identity;

/// <summary>Mixes fresh entropy into the kernel's random number generator (the clone must not share the template's).</summary>
public interface IKernelRandom
{
    /// <summary>Credits <paramref name="seed"/> to the input pool and forces the CRNG to reseed from it.</summary>
    /// <exception cref="IdentityException">The kernel refused (not root, no /dev/urandom).</exception>
    void Reseed(ReadOnlySpan<byte> seed);
}
