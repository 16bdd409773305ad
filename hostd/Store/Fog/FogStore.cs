using System.Collections.Concurrent;
using System.Security.Cryptography;
using Jumpstart.Hostd.Store.Catalog;
using Jumpstart.Hostd.Store.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>
/// The fog side of the state store: encrypts a file (AES-256-GCM, per-file key), cuts it into blocks, stores
/// 2- and 3-block XOR combinations on block servers (<see cref="StoreLayout"/>), keeps keys and the block map
/// in its catalog, and on retrieval fetches, verifies, asks for alternatives, rebuilds and decrypts.
/// </summary>
public sealed partial class FogStore
{
    private readonly StoreCatalog _catalog;
    private readonly ILogger _logger;

    public FogStore(StoreCatalog catalog, ILogger<FogStore>? logger = null)
    {
        _catalog = catalog;
        _logger = logger ?? NullLogger<FogStore>.Instance;
    }

    public StoreCatalog Catalog => _catalog;

    /// <summary>Forgets a file and deletes its combinations from the servers that answer.</summary>
    public async Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        var combinations = _catalog.RemoveFile(name);
        await using var session = new ServerSession(_catalog.Servers());
        await DeleteQuietlyAsync(session, combinations, cancellationToken);
    }

    private static async Task DeleteQuietlyAsync(ServerSession session, IEnumerable<StoredCombination> combinations, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(combinations, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (combination, token) =>
        {
            try
            {
                if (session.IsRegistered(combination.Server) && !session.IsDown(combination.Server))
                {
                    await session.Client(combination.Server).DeleteAsync(combination.ObjectId, token);
                }
            }
            catch (StoreException)
            {
                // Best effort: an orphan combination is unreadable garbage without the fog's key and map.
            }
        });
    }

    private static string NewObjectId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(StoreLimits.ObjectIdLength / 2));

    /// <summary>The state one get, verify or repair shares across its stripes.</summary>
    private sealed class Retrieval(StoredFile file, IReadOnlyList<StoredCombination> combinations, ServerSession session)
    {
        private readonly Dictionary<(long Stripe, int Slot), StoredCombination> _map = combinations.ToDictionary(c => (c.Stripe, c.Slot));

        public StoredFile File { get; } = file;

        public StoreLayout Layout { get; } = file.Layout;

        public byte[] MacKey { get; } = CombinationMac.DeriveKey(file.Key);

        public ServerSession Session { get; } = session;

        public ConcurrentQueue<StoreProblem> Problems { get; } = new();

        /// <summary>Buffers for fetched combinations (one byte longer than a block, to see an oversized answer).</summary>
        public BufferPool Combinations { get; } = new(file.BlockSize + 1);

        public BufferPool Plain { get; } = new(file.Layout.DataBlocks * (file.BlockSize - FileCipher.TagLength));

        public BufferPool Blocks { get; } = new(file.BlockSize);

        public StoredCombination? Find(long stripe, int slot) => _map.GetValueOrDefault((stripe, slot));
    }

    /// <summary>Fetches and verifies the given slots of a stripe; verified combinations go into <paramref name="got"/>.</summary>
    private async Task FetchAsync(Retrieval retrieval, long stripe, IEnumerable<int> slots, byte[]?[] got, bool reportDown, CancellationToken cancellationToken)
    {
        var blockSize = retrieval.File.BlockSize;
        await Task.WhenAll(slots.Where(slot => got[slot] is null).Select(async slot =>
        {
            var combination = retrieval.Find(stripe, slot);
            if (combination is null)
            {
                Report(retrieval, new StoreProblem("?", stripe, slot, "?", StoreProblemKind.Missing, "not in the block map"));
                return;
            }

            if (retrieval.Session.IsDown(combination.Server))
            {
                if (reportDown)
                {
                    Report(retrieval, new StoreProblem(combination.Server, stripe, slot, combination.ObjectId, StoreProblemKind.Unreachable, "server down"));
                }

                return;
            }

            var buffer = retrieval.Combinations.Rent();
            var keep = false;
            try
            {
                var length = await retrieval.Session.Client(combination.Server).GetAsync(combination.ObjectId, buffer.AsMemory(0, blockSize + 1), cancellationToken);
                if (length < 0)
                {
                    Report(retrieval, new StoreProblem(combination.Server, stripe, slot, combination.ObjectId, StoreProblemKind.Missing, "the server does not have it"));
                }
                else if (length != blockSize
                    || !CombinationMac.Verify(retrieval.MacKey, retrieval.File.Id, stripe, slot, combination.Nonce, buffer.AsSpan(0, blockSize), combination.Mac))
                {
                    Report(retrieval, new StoreProblem(combination.Server, stripe, slot, combination.ObjectId, StoreProblemKind.Corrupt,
                        length != blockSize ? $"{length} bytes instead of {blockSize}" : "HMAC-SHA256 mismatch"));
                }
                else
                {
                    got[slot] = buffer;
                    keep = true;
                }
            }
            catch (BlockServerDeniedException ex)
            {
                Report(retrieval, new StoreProblem(combination.Server, stripe, slot, combination.ObjectId, StoreProblemKind.Denied, ex.Message));
            }
            catch (Exception ex) when (ex is BlockServerUnavailableException or BlockProtocolException)
            {
                Report(retrieval, new StoreProblem(combination.Server, stripe, slot, combination.ObjectId, StoreProblemKind.Unreachable, ex.Message));
            }
            finally
            {
                if (!keep)
                {
                    retrieval.Combinations.Return(buffer);
                }
            }
        }));
    }

    private void Report(Retrieval retrieval, StoreProblem problem)
    {
        retrieval.Problems.Enqueue(problem);
        StoreLog.Problem(_logger, problem.ToString());
    }

    /// <summary>
    /// Solves the stripe with the verified combinations in <paramref name="got"/>. Returns the recipes, or the
    /// block numbers (of the file) that are needed and cannot be rebuilt.
    /// </summary>
    private static (uint[] Recipes, List<int> Sources, List<long> Lost) Solve(Retrieval retrieval, long stripe, byte[]?[] got, bool needPadding)
    {
        var sources = Enumerable.Range(0, got.Length).Where(slot => got[slot] is not null).ToList();
        var recipes = StripeDecoder.Solve([.. sources.Select(slot => retrieval.Layout.Slots[slot].Mask)], retrieval.Layout.DataBlocks);
        var lost = new List<long>();
        for (var i = 0; i < recipes.Length; i++)
        {
            var block = (stripe * retrieval.Layout.DataBlocks) + i;
            if (recipes[i] == 0 && (needPadding || block < retrieval.File.Blocks))
            {
                lost.Add(block);
            }
        }

        return (recipes, sources, lost);
    }

    /// <summary>Rebuilds block i of a stripe from a recipe into <paramref name="destination"/>.</summary>
    private static void Rebuild(uint recipe, List<int> sources, byte[]?[] got, Span<byte> destination)
    {
        var first = true;
        for (var bit = 0; bit < sources.Count; bit++)
        {
            if ((recipe >> bit & 1) == 0)
            {
                continue;
            }

            var combination = got[sources[bit]].AsSpan(0, destination.Length);
            if (first)
            {
                combination.CopyTo(destination);
                first = false;
            }
            else
            {
                BlockXor.Into(destination, combination);
            }
        }
    }

    private static void ReturnAll(Retrieval retrieval, byte[]?[] buffers)
    {
        for (var i = 0; i < buffers.Length; i++)
        {
            if (buffers[i] is { } buffer)
            {
                retrieval.Combinations.Return(buffer);
                buffers[i] = null;
            }
        }
    }

    private StoreDataLostException Lost(Retrieval retrieval, long stripe, List<long> lost)
    {
        // Name every slot of the stripe that was not usable, including those skipped because their server was down.
        var problems = retrieval.Problems.Where(p => p.Stripe == stripe).ToList();
        for (var slot = 0; slot < retrieval.Layout.Slots.Count; slot++)
        {
            var combination = retrieval.Find(stripe, slot);
            if (combination is not null && retrieval.Session.IsDown(combination.Server) && !problems.Any(p => p.Slot == slot))
            {
                problems.Add(new StoreProblem(combination.Server, stripe, slot, combination.ObjectId, StoreProblemKind.Unreachable, "server down"));
            }
        }

        return new StoreDataLostException(retrieval.File.Name, stripe, lost, problems);
    }
}
