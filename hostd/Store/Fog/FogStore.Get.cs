using System.Diagnostics;

namespace Jumpstart.Hostd.Store.Fog;

public sealed partial class FogStore
{
    /// <summary>
    /// Fetches, verifies, rebuilds and decrypts a stored file into <paramref name="output"/>. Bad or unreachable
    /// combinations are replaced by others from other servers and reported in the result.
    /// </summary>
    /// <exception cref="StoreNotFoundException">No such file.</exception>
    /// <exception cref="StoreDataLostException">More is lost than the layout survives; <paramref name="output"/> holds only verified data up to that stripe.</exception>
    public async Task<GetResult> GetAsync(string name, Stream output, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var clock = Stopwatch.StartNew();
        var (file, combinations) = _catalog.GetFile(name);
        await using var session = new ServerSession(_catalog.Servers());
        var retrieval = new Retrieval(file, combinations, session);
        var cipher = new FileCipher(file.Key, file.Id, file.NoncePrefix, file.BlockSize);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new Queue<Task<(byte[] Plain, int Length)>>();
        try
        {
            for (long stripe = 0; stripe < file.Stripes || pending.Count > 0;)
            {
                while (stripe < file.Stripes && pending.Count < StoreLimits.StripesInFlight)
                {
                    var s = stripe++;
                    pending.Enqueue(Task.Run(() => ReadStripeAsync(retrieval, cipher, s, stop.Token), stop.Token));
                }

                var (plain, length) = await pending.Dequeue();
                try
                {
                    await output.WriteAsync(plain.AsMemory(0, length), cancellationToken);
                }
                finally
                {
                    retrieval.Plain.Return(plain);
                }

                progress?.Report(length);
            }
        }
        catch
        {
            Metrics.HostdMetrics.StoreFailed(Metrics.HostdMetrics.StoreGet);
            await stop.CancelAsync();
            while (pending.TryDequeue(out var task))
            {
                try
                {
                    retrieval.Plain.Return((await task).Plain);
                }
                catch (Exception)
                {
                    // Already failing with the first error.
                }
            }

            throw;
        }

        await output.FlushAsync(cancellationToken);
        Metrics.HostdMetrics.StoreTransferred(Metrics.HostdMetrics.StoreGet, file.Length);
        return new GetResult(file, [.. retrieval.Problems], session.Down(), clock.Elapsed.TotalSeconds);
    }

    /// <summary>Rebuilds and decrypts one stripe; returns a buffer of <c>retrieval.Plain</c> with its plaintext.</summary>
    private async Task<(byte[] Plain, int Length)> ReadStripeAsync(Retrieval retrieval, FileCipher cipher, long stripe, CancellationToken cancellationToken)
    {
        var layout = retrieval.Layout;
        var file = retrieval.File;
        var got = new byte[]?[layout.Slots.Count];
        try
        {
            // Read the rotating preferred set (one server's slots left out), avoiding servers known to be down.
            var down = Enumerable.Range(0, layout.Servers).Where(i => retrieval.Session.IsDown(file.Servers[i])).ToHashSet();
            await FetchAsync(retrieval, stripe, layout.PreferredSlots(stripe, down), got, reportDown: false, cancellationToken);
            var (recipes, sources, lost) = Solve(retrieval, stripe, got, needPadding: false);
            if (lost.Count > 0)
            {
                // Something failed: ask for every other combination of the stripe.
                await FetchAsync(retrieval, stripe, Enumerable.Range(0, layout.Slots.Count), got, reportDown: false, cancellationToken);
                (recipes, sources, lost) = Solve(retrieval, stripe, got, needPadding: false);
                if (lost.Count > 0)
                {
                    throw Lost(retrieval, stripe, lost);
                }
            }

            var chunk = cipher.ChunkSize;
            var plain = retrieval.Plain.Rent();
            var block = retrieval.Blocks.Rent();
            var length = 0;
            try
            {
                for (var i = 0; i < layout.DataBlocks; i++)
                {
                    var index = (stripe * layout.DataBlocks) + i;
                    if (index >= file.Blocks)
                    {
                        break;
                    }

                    var final = index == file.Blocks - 1;
                    var plainLength = final ? (int)(file.Length - (index * chunk)) : chunk;
                    Rebuild(recipes[i], sources, got, block.AsSpan(0, file.BlockSize));
                    cipher.Decrypt(index, final, block.AsSpan(0, file.BlockSize), plain.AsSpan(length, plainLength));
                    length += plainLength;
                }
            }
            catch
            {
                retrieval.Plain.Return(plain);
                throw;
            }
            finally
            {
                retrieval.Blocks.Return(block);
            }

            return (plain, length);
        }
        finally
        {
            ReturnAll(retrieval, got);
        }
    }
}
