using System.Diagnostics;
using Jumpstart.Shared.Iso9660;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Iso9660;

/// <summary>
/// Mutates real images thousands of times (fixed seed) and asserts the only outcomes are a
/// successful read or <see cref="IsoFormatException"/> (<see cref="MetadataException"/> for discs):
/// no other exception, no hang, no runaway allocation.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Iso9660)]
public sealed class IsoMutationFuzzTests : IDisposable
{
    private const int Iterations = 8_000;
    /// <summary>Fixed, so failures reproduce; JUMPSTART_FUZZ_SEED picks another for a soak run.</summary>
    private static readonly int s_seed = int.TryParse(Environment.GetEnvironmentVariable("JUMPSTART_FUZZ_SEED"), out var seed) ? seed : 20_240_517;
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _temp = new("iso-fuzz");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Mutations_OfOurOwnImage_OnlyEverThrowIsoFormatException()
        => Fuzz(HostileImages.Small(), s_seed, Open);

    [ToolFact("genisoimage")]
    public async Task Mutations_OfAGenisoimageImage_OnlyEverThrowIsoFormatException()
    {
        var tree = Directory.CreateDirectory(_temp.Combine("tree")).FullName;
        Directory.CreateDirectory(Path.Combine(tree, "a", "b", "c", "d", "e", "f", "g", "h", "i"));
        File.WriteAllText(Path.Combine(tree, "a", "b", "c", "d", "e", "f", "g", "h", "i", "deep.txt"), "deep");
        File.WriteAllText(Path.Combine(tree, new string('L', 180)), "long");
        File.WriteAllText(Path.Combine(tree, "meta-data"), "instance-id: x\n");
        File.CreateSymbolicLink(Path.Combine(tree, "link"), "meta-data");
        var image = _temp.Combine("g.iso");
        await Requirements.RunToolAsync("genisoimage", ["-quiet", "-J", "-R", "-o", image, tree]);

        Fuzz(File.ReadAllBytes(image), s_seed + 1, Open);
    }

    [Fact]
    public void Mutations_OfAMetadataDisc_OnlyEverThrowMetadataException()
        => Fuzz(MetadataSamples.Disc(MetadataSamples.Full()).ToArray(), s_seed + 2, bytes =>
        {
            try
            {
                MetadataDisc.Read(new MemoryStream(bytes));
            }
            catch (MetadataException)
            {
            }
        });

    private static void Open(byte[] bytes)
    {
        try
        {
            using var iso = IsoImage.Open(new MemoryStream(bytes));
            foreach (var entry in iso.Entries.Where(e => e.Kind == IsoEntryKind.File))
            {
                iso.ReadFile(entry, maxBytes: 1 << 20);
            }
        }
        catch (IsoFormatException)
        {
        }
    }

    private static void Fuzz(byte[] original, int seed, Action<byte[]> read)
    {
        var random = new Random(seed);

        // Mutations focus on the descriptors, path tables, directories and continuation areas, where the structure is.
        var structureEnd = Math.Min(original.Length, 64 * HostileImages.Sector);
        var clock = Stopwatch.StartNew();
        var done = 0;
        for (; done < Iterations && clock.Elapsed < s_budget; done++)
        {
            var mutated = Mutate(original, random, 16 * HostileImages.Sector, structureEnd);
            try
            {
                read(mutated);
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {done} (seed {seed}): {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }
        }

        Assert.True(done >= 1_000, $"only {done} iterations ran within {s_budget}");
    }

    private static byte[] Mutate(byte[] original, Random random, int start, int end)
    {
        var strategy = random.Next(5);
        if (strategy == 0)
        {
            return original.AsSpan(0, random.Next(original.Length)).ToArray();
        }

        var mutated = (byte[])original.Clone();
        var count = 1 + random.Next(8);
        for (var i = 0; i < count; i++)
        {
            var offset = random.Next(start, end - 8);
            switch (strategy)
            {
                case 1:
                    mutated[offset] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    mutated[offset] = random.Next(3) switch { 0 => 0, 1 => 0xFF, _ => (byte)random.Next(256) };
                    break;
                case 3:
                    // A both-endian 32-bit field with an interesting value: extents and lengths.
                    uint[] values = [0, 1, 16, 17, 18, 0x7FFF_FFFF, 0xFFFF_FFFF, (uint)(original.Length / HostileImages.Sector), (uint)random.Next()];
                    HostileImages.WriteBoth32(mutated, offset, values[random.Next(values.Length)]);
                    break;
                default:
                    mutated[offset] = (byte)random.Next(256);
                    break;
            }
        }

        return mutated;
    }
}
