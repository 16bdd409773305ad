using System.Buffers;
using System.Security.Cryptography;
using Jumpstart.Hostd.Store.Catalog;
using Jumpstart.Hostd.Store.Protocol;

namespace Jumpstart.Hostd.Store.Fog;

public sealed partial class FogStore
{
    /// <summary>Fetches and checks every combination of a file (nothing is decrypted or written).</summary>
    public async Task<VerifyResult> VerifyAsync(string name, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var (file, combinations) = _catalog.GetFile(name);
        await using var session = new ServerSession(_catalog.Servers());
        var retrieval = new Retrieval(file, combinations, session);
        var lostStripes = new List<long>();
        await ForEachStripeAsync(file, async stripe =>
        {
            var got = new byte[]?[retrieval.Layout.Slots.Count];
            try
            {
                await FetchAsync(retrieval, stripe, Enumerable.Range(0, got.Length), got, reportDown: true, cancellationToken);
                if (Solve(retrieval, stripe, got, needPadding: false).Lost.Count > 0)
                {
                    lock (lostStripes)
                    {
                        lostStripes.Add(stripe);
                    }
                }
            }
            finally
            {
                ReturnAll(retrieval, got);
            }

            progress?.Report(StripeLength(file, stripe));
        }, cancellationToken);
        lostStripes.Sort();
        return new VerifyResult(file, combinations.Count, Sorted(retrieval), lostStripes.Count == 0, lostStripes);
    }

    /// <summary>
    /// Re-creates missing, corrupt and unreachable combinations from the good ones: on the same server when it
    /// answers, else on its replacement. With a replacement for a server, every combination on it moves.
    /// </summary>
    /// <param name="name">The stored file.</param>
    /// <param name="replacements">Old server name to new server name.</param>
    /// <param name="cancellationToken">Stops the repair between stripes (each stripe's map update is atomic).</param>
    public Task<RepairResult> RepairAsync(string name, IReadOnlyDictionary<string, string> replacements, CancellationToken cancellationToken)
        => RepairAsync(name, replacements, auto: false, cancellationToken);

    /// <summary>
    /// Re-creates missing, corrupt and unreachable combinations from the good ones: on the same server when it
    /// answers, else on its replacement. A replacement takes the whole role of the server it replaces (every
    /// combination on it moves, and the file's placement names the new server), so the layout's guarantees hold.
    /// </summary>
    /// <param name="name">The stored file.</param>
    /// <param name="replacements">Old server name to new server name.</param>
    /// <param name="auto">
    /// Give every unreachable server of the file without a replacement the first registered server (in
    /// registration order) that holds nothing of the file and replaces no other server.
    /// </param>
    /// <param name="cancellationToken">Stops the repair between stripes (each stripe's map update is atomic).</param>
    /// <exception cref="StoreUsageException">A replacement is not registered, already holds part of the file, or replaces two servers.</exception>
    public async Task<RepairResult> RepairAsync(string name, IReadOnlyDictionary<string, string> replacements, bool auto, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replacements);
        var (file, combinations) = _catalog.GetFile(name);
        var registered = _catalog.Servers(byRegistration: true);
        CheckReplacements(file, combinations, registered, replacements);
        await using var session = new ServerSession(registered);
        var notRepaired = new List<string>();
        var chosen = new Dictionary<string, string>(replacements, StringComparer.Ordinal);
        if (auto)
        {
            notRepaired.AddRange(await ChooseReplacementsAsync(file, combinations, registered, session, chosen, cancellationToken));
        }

        var retrieval = new Retrieval(file, combinations, session);
        var recreated = 0;
        var obsolete = new List<StoredCombination>();
        await ForEachStripeAsync(file, async stripe =>
        {
            var (count, failures, moved) = await RepairStripeAsync(retrieval, stripe, chosen, cancellationToken);
            lock (notRepaired)
            {
                recreated += count;
                notRepaired.AddRange(failures);
                obsolete.AddRange(moved);
            }
        }, cancellationToken);
        await DeleteQuietlyAsync(session, obsolete, cancellationToken);
        file = TakeOverRoles(file, chosen);
        StoreLog.Repaired(_logger, file.Name, recreated);
        return new RepairResult(file, Sorted(retrieval), recreated, notRepaired, chosen);
    }

    private async Task<(int Recreated, List<string> NotRepaired, List<StoredCombination> Moved)> RepairStripeAsync(
        Retrieval retrieval, long stripe, IReadOnlyDictionary<string, string> replacements, CancellationToken cancellationToken)
    {
        var layout = retrieval.Layout;
        var blockSize = retrieval.File.BlockSize;
        var got = new byte[]?[layout.Slots.Count];
        var notRepaired = new List<string>();
        var moved = new List<StoredCombination>();
        try
        {
            await FetchAsync(retrieval, stripe, Enumerable.Range(0, got.Length), got, reportDown: true, cancellationToken);
            var bad = Enumerable.Range(0, got.Length)
                .Where(slot => got[slot] is null || replacements.ContainsKey(retrieval.Find(stripe, slot)?.Server ?? string.Empty))
                .ToList();
            if (bad.Count == 0)
            {
                return (0, notRepaired, moved);
            }

            // Re-creating a combination needs every block of the stripe, padding included.
            var (recipes, sources, lost) = Solve(retrieval, stripe, got, needPadding: true);
            if (lost.Count > 0)
            {
                notRepaired.Add($"stripe {stripe}: block(s) {string.Join(", ", lost)} cannot be rebuilt");
                return (0, notRepaired, moved);
            }

            var blocks = ArrayPool<byte>.Shared.Rent(layout.DataBlocks * blockSize);
            var combination = ArrayPool<byte>.Shared.Rent(blockSize);
            try
            {
                for (var i = 0; i < layout.DataBlocks; i++)
                {
                    Rebuild(recipes[i], sources, got, blocks.AsSpan(i * blockSize, blockSize));
                }

                var updated = new List<StoredCombination>();
                foreach (var slot in bad)
                {
                    var old = retrieval.Find(stripe, slot)!;
                    var target = replacements.GetValueOrDefault(old.Server, old.Server);
                    var holders = Enumerable.Range(0, got.Length).Where(s => s != slot).Select(s => retrieval.Find(stripe, s)?.Server).ToHashSet(StringComparer.Ordinal);
                    if (target != old.Server && holders.Contains(target))
                    {
                        notRepaired.Add($"stripe {stripe} slot {slot}: {target} already holds another combination of this stripe");
                        continue;
                    }

                    if (retrieval.Session.IsDown(target))
                    {
                        notRepaired.Add($"stripe {stripe} slot {slot}: {target} is unreachable (name a replacement with --replace {target}=OTHER)");
                        continue;
                    }

                    var data = combination.AsSpan(0, blockSize);
                    BlockXor.Combine(data, layout.Slots[slot].Mask, i => blocks.AsMemory(i * blockSize, blockSize));
                    var nonce = RandomNumberGenerator.GetBytes(StoreLimits.CombinationNonceLength);
                    var mac = new byte[StoreLimits.MacLength];
                    CombinationMac.Compute(retrieval.MacKey, retrieval.File.Id, stripe, slot, nonce, data, mac);
                    var fresh = new StoredCombination(stripe, slot, target, NewObjectId(), nonce, mac);
                    try
                    {
                        await retrieval.Session.Client(target).PutAsync(fresh.ObjectId, combination.AsMemory(0, blockSize), cancellationToken);
                    }
                    catch (Exception ex) when (ex is BlockServerUnavailableException or BlockServerDeniedException or BlockProtocolException)
                    {
                        notRepaired.Add($"stripe {stripe} slot {slot}: storing on {target} failed: {ex.Message}");
                        continue;
                    }

                    updated.Add(fresh);
                    moved.Add(old);
                }

                if (updated.Count > 0)
                {
                    _catalog.UpdateCombinations(retrieval.File.Id, updated);
                }

                return (updated.Count, notRepaired, moved);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(blocks);
                ArrayPool<byte>.Shared.Return(combination);
            }
        }
        finally
        {
            ReturnAll(retrieval, got);
        }

    }

    private static async Task ForEachStripeAsync(StoredFile file, Func<long, Task> body, CancellationToken cancellationToken)
    {
        var stripes = Enumerable.Range(0, (int)file.Stripes).Select(s => (long)s);
        await Parallel.ForEachAsync(stripes, new ParallelOptions { MaxDegreeOfParallelism = StoreLimits.StripesInFlight, CancellationToken = cancellationToken },
            async (stripe, _) => await body(stripe));
    }

    private static long StripeLength(StoredFile file, long stripe)
    {
        var stripeBytes = (long)file.Layout.DataBlocks * (file.BlockSize - FileCipher.TagLength);
        return Math.Clamp(file.Length - (stripe * stripeBytes), 0, stripeBytes);
    }

    private static List<StoreProblem> Sorted(Retrieval retrieval)
        => [.. retrieval.Problems.OrderBy(p => p.Stripe).ThenBy(p => p.Slot)];
}
