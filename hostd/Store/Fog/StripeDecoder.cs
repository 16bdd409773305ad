using System.Numerics;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>
/// Solves a stripe over GF(2): given which combinations arrived intact, says for every data block which of
/// them XOR to it (Gaussian elimination on the combination masks, remembering each row's sources).
/// </summary>
public static class StripeDecoder
{
    /// <summary>
    /// For each data block i of a k-block stripe, the bit set over the indexes of <paramref name="masks"/> whose
    /// combinations XOR to block i, or 0 when block i cannot be rebuilt from them.
    /// </summary>
    /// <param name="masks">The mask of every available combination (bit i = data block i).</param>
    /// <param name="dataBlocks">k.</param>
    public static uint[] Solve(IReadOnlyList<int> masks, int dataBlocks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(masks.Count, 32);
        var rows = new int[masks.Count];
        var sources = new uint[masks.Count];
        for (var i = 0; i < masks.Count; i++)
        {
            rows[i] = masks[i];
            sources[i] = 1u << i;
        }

        // Reduced row echelon form: each pivot row ends up alone in its pivot column.
        var pivotRowOf = new int[dataBlocks];
        Array.Fill(pivotRowOf, -1);
        var rank = 0;
        for (var column = 0; column < dataBlocks && rank < rows.Length; column++)
        {
            var pivot = -1;
            for (var r = rank; r < rows.Length; r++)
            {
                if ((rows[r] >> column & 1) != 0)
                {
                    pivot = r;
                    break;
                }
            }

            if (pivot < 0)
            {
                continue;
            }

            (rows[rank], rows[pivot]) = (rows[pivot], rows[rank]);
            (sources[rank], sources[pivot]) = (sources[pivot], sources[rank]);
            for (var r = 0; r < rows.Length; r++)
            {
                if (r != rank && (rows[r] >> column & 1) != 0)
                {
                    rows[r] ^= rows[rank];
                    sources[r] ^= sources[rank];
                }
            }

            pivotRowOf[column] = rank;
            rank++;
        }

        // Block i is in the span exactly when its pivot row reduced to the unit vector e_i.
        var recipes = new uint[dataBlocks];
        for (var block = 0; block < dataBlocks; block++)
        {
            var row = pivotRowOf[block];
            recipes[block] = row >= 0 && rows[row] == 1 << block ? sources[row] : 0;
        }

        return recipes;
    }

    /// <summary>True when the masks span GF(2)^k, i.e. every block of the stripe can be rebuilt.</summary>
    public static bool Spans(IReadOnlyList<int> masks, int dataBlocks) => Solve(masks, dataBlocks).All(r => r != 0);

    /// <summary>True when XORing any subset of <paramref name="masks"/> never gives a single block.</summary>
    public static bool RevealsNoBlock(IReadOnlyList<int> masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        for (var subset = 1; subset < 1 << masks.Count; subset++)
        {
            var sum = 0;
            for (var i = 0; i < masks.Count; i++)
            {
                if ((subset >> i & 1) != 0)
                {
                    sum ^= masks[i];
                }
            }

            if (BitOperations.PopCount((uint)sum) == 1)
            {
                return false;
            }
        }

        return true;
    }
}
