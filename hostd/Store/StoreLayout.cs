using System.Numerics;

namespace Jumpstart.Hostd.Store;

/// <summary>
/// Which XOR combinations of a stripe's data blocks are made and which server each goes to, for S servers.
/// </summary>
/// <remarks>
/// <para>A stripe is <see cref="DataBlocks"/> (k) consecutive encrypted blocks. Every stored combination
/// XORs 2 or 3 of them (the paper's 2-block and 3-block combinations), so no server ever receives an
/// uncombined block. The layouts are chosen so that:</para>
/// <list type="number">
/// <item>the combinations held by any S-1 servers span GF(2)^k, i.e. the stripe (and so the file) is rebuilt
/// after losing every combination of any one server;</item>
/// <item>the combinations one server holds of a stripe span no single block: XORing what one server has
/// never yields a block (stripes use disjoint blocks, so this holds for the whole file).</item>
/// </list>
/// <para>S = 3 and S = 4 use two combinations per server per stripe (k = 4, 6; found by search and checked
/// exhaustively by the tests). S ≥ 5 uses one per server with k = S - 1: the chain b_i ⊕ b_(i+1) for
/// i &lt; k-1, plus b_0 ⊕ b_1 ⊕ b_2 and b_1 ⊕ b_2 ⊕ b_(k-1). The chain spans the even-weight vectors and the
/// first 3-block combination is odd, so the first k are independent; the k+1 sum to zero, so any k are
/// independent. Servers rotate with the stripe number so every server carries the same load.</para>
/// </remarks>
public sealed class StoreLayout
{
    // Two combinations per server: slots 2j and 2j+1 belong to server offset j. Bit i = block i.
    private static readonly int[] s_threeServers = [0b1101, 0b0011, 0b1011, 0b0111, 0b1010, 0b0101];
    private static readonly int[] s_fourServers = [0b101010, 0b110010, 0b001011, 0b010001, 0b110100, 0b100110, 0b100100, 0b110001];

    private StoreLayout(int servers, int dataBlocks, IReadOnlyList<LayoutSlot> slots)
    {
        Servers = servers;
        DataBlocks = dataBlocks;
        Slots = slots;
    }

    /// <summary>S: the number of servers a file is spread over.</summary>
    public int Servers { get; }

    /// <summary>k: data blocks per stripe.</summary>
    public int DataBlocks { get; }

    /// <summary>The n combinations of every stripe.</summary>
    public IReadOnlyList<LayoutSlot> Slots { get; }

    /// <summary>Stored bytes per data byte (n / k).</summary>
    public double Overhead => (double)Slots.Count / DataBlocks;

    /// <summary>The layout for <paramref name="servers"/> servers.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than <see cref="StoreLimits.MinServers"/> or more than <see cref="StoreLimits.MaxServers"/>.</exception>
    public static StoreLayout For(int servers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(servers, StoreLimits.MinServers);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(servers, StoreLimits.MaxServers);
        return servers switch
        {
            3 => Paired(3, 4, s_threeServers),
            4 => Paired(4, 6, s_fourServers),
            _ => Chain(servers),
        };
    }

    /// <summary>The slot indexes of a stripe held by the server with index <paramref name="server"/>.</summary>
    public IEnumerable<int> SlotsOn(int server, long stripe)
    {
        for (var slot = 0; slot < Slots.Count; slot++)
        {
            if (Slots[slot].ServerOf(stripe, Servers) == server)
            {
                yield return slot;
            }
        }
    }

    /// <summary>
    /// The slots a get reads when nothing fails: all but those of one server, which rotates with the stripe,
    /// so reads spread evenly and a server that is down costs no extra reads.
    /// </summary>
    public IReadOnlyList<int> PreferredSlots(long stripe, ISet<int>? avoidServers = null)
    {
        var skip = (int)(stripe % Servers);
        if (avoidServers is { Count: > 0 } && !avoidServers.Contains(skip))
        {
            skip = avoidServers.First();
        }

        return [.. Enumerable.Range(0, Slots.Count).Where(slot => Slots[slot].ServerOf(stripe, Servers) != skip)];
    }

    private static StoreLayout Paired(int servers, int dataBlocks, int[] masks)
        => new(servers, dataBlocks, [.. masks.Select((mask, i) => new LayoutSlot(i / 2, mask))]);

    private static StoreLayout Chain(int servers)
    {
        var k = servers - 1;
        var slots = new List<LayoutSlot>(servers);
        for (var i = 0; i < k - 1; i++)
        {
            slots.Add(new LayoutSlot(i, (1 << i) | (1 << (i + 1))));
        }

        slots.Add(new LayoutSlot(k - 1, 0b111));
        slots.Add(new LayoutSlot(k, 0b110 | (1 << (k - 1))));
        System.Diagnostics.Debug.Assert(slots.Aggregate(0, (x, s) => x ^ s.Mask) == 0, "the chain combinations sum to zero");
        System.Diagnostics.Debug.Assert(slots.All(s => BitOperations.PopCount((uint)s.Mask) is 2 or 3), "2- and 3-block combinations only");
        return new StoreLayout(servers, k, slots);
    }
}
