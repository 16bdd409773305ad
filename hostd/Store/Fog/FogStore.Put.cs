using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Jumpstart.Hostd.Store.Catalog;

namespace Jumpstart.Hostd.Store.Fog;

public sealed partial class FogStore
{
    /// <summary>
    /// Encrypts <paramref name="input"/> and spreads it over the servers. The file appears in the catalog only
    /// once every combination is stored; on failure the combinations already sent are deleted (best effort).
    /// </summary>
    /// <exception cref="StoreUsageException">Too few or unknown servers, a bad block size, or the name is taken.</exception>
    /// <exception cref="BlockServerUnavailableException">A server of the placement cannot be reached.</exception>
    public async Task<PutResult> PutAsync(Stream input, PutOptions options, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var (servers, registered) = ChooseServers(options);
        ValidateName(options.Name);
        if (options.BlockSize is < StoreLimits.MinBlockSize or > StoreLimits.MaxBlockSize)
        {
            throw new StoreUsageException($"block size must be {StoreLimits.MinBlockSize}-{StoreLimits.MaxBlockSize} bytes");
        }

        var layout = StoreLayout.For(servers.Count);
        var file = new StoredFile
        {
            Id = RandomNumberGenerator.GetBytes(16),
            Name = options.Name,
            Length = 0,
            BlockSize = options.BlockSize,
            Servers = servers,
            Kind = options.Kind,
            Created = DateTimeOffset.UtcNow,
            Key = RandomNumberGenerator.GetBytes(StoreLimits.FileKeyLength),
            NoncePrefix = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(sizeof(uint))),
        };
        var cipher = new FileCipher(file.Key, file.Id, file.NoncePrefix, file.BlockSize);
        var macKey = CombinationMac.DeriveKey(file.Key);
        var stripeBytes = layout.DataBlocks * cipher.ChunkSize;
        var buffers = new PutBuffers(new BufferPool(stripeBytes), new BufferPool(layout.DataBlocks * file.BlockSize), new BufferPool(layout.Slots.Count * file.BlockSize));
        var stored = new ConcurrentQueue<StoredCombination>();
        await using var session = new ServerSession(registered);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var window = new SemaphoreSlim(StoreLimits.StripesInFlight);
        var running = new List<Task>();
        long length = 0;
        try
        {
            var current = buffers.Plain.Rent();
            var currentLength = await input.ReadAtLeastAsync(current.AsMemory(0, stripeBytes), stripeBytes, throwOnEndOfStream: false, failed.Token);
            for (long stripe = 0; ; stripe++)
            {
                byte[]? next = null;
                var nextLength = 0;
                if (currentLength == stripeBytes)
                {
                    next = buffers.Plain.Rent();
                    nextLength = await input.ReadAtLeastAsync(next.AsMemory(0, stripeBytes), stripeBytes, throwOnEndOfStream: false, failed.Token);
                }

                var final = nextLength == 0;
                length += currentLength;
                await window.WaitAsync(failed.Token);
                var job = new PutStripe(file, layout, cipher, macKey, stripe, current, currentLength, final, buffers);
                running.Add(RunStripeAsync(job, session, stored, window, progress, failed));
                running.RemoveAll(t => t.IsCompletedSuccessfully);
                if (final)
                {
                    if (next is not null)
                    {
                        buffers.Plain.Return(next);
                    }

                    break;
                }

                current = next!;
                currentLength = nextLength;
            }

            await Task.WhenAll(running);
        }
        catch (Exception first)
        {
            Metrics.HostdMetrics.StoreFailed(Metrics.HostdMetrics.StorePut);
            await failed.CancelAsync();
            var cause = await FirstFailureAsync(running);
            await DeleteQuietlyAsync(session, stored, CancellationToken.None);
            if (first is OperationCanceledException && cause is not null && !cancellationToken.IsCancellationRequested)
            {
                // The read loop only saw the cancellation a failing stripe caused; report the stripe's failure.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }

        file = file with { Length = length };
        var combinations = stored.OrderBy(c => c.Stripe).ThenBy(c => c.Slot).ToList();
        var replaced = _catalog.AddFile(file, combinations, options.Replace);
        await DeleteQuietlyAsync(session, replaced, cancellationToken);
        StoreLog.Stored(_logger, file.Name, file.Length, file.Stripes, servers.Count);
        Metrics.HostdMetrics.StoreTransferred(Metrics.HostdMetrics.StorePut, file.Length);
        return new PutResult(file, combinations.Count, (long)combinations.Count * file.BlockSize, clock.Elapsed.TotalSeconds);
    }

    private static async Task<Exception?> FirstFailureAsync(IEnumerable<Task> tasks)
    {
        Exception? cause = null;
        foreach (var task in tasks)
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
                // Cancelled because another stripe failed.
            }
            catch (Exception ex)
            {
                cause ??= ex;
            }
        }

        return cause;
    }

    private (IReadOnlyList<string> Servers, IReadOnlyList<StoreServer> Registered) ChooseServers(PutOptions options)
    {
        var registered = _catalog.Servers();
        var names = options.Servers ?? [.. registered.Select(s => s.Name)];
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            throw new StoreUsageException("a server is named twice");
        }

        var unknown = names.Where(n => registered.All(s => s.Name != n)).ToList();
        if (unknown.Count > 0)
        {
            throw new StoreUsageException($"unknown block server(s): {string.Join(", ", unknown)} (add them with 'store servers add')");
        }

        if (names.Count is < StoreLimits.MinServers or > StoreLimits.MaxServers)
        {
            throw new StoreUsageException($"a file is spread over {StoreLimits.MinServers}-{StoreLimits.MaxServers} block servers; {names.Count} given or registered");
        }

        return (names, registered);
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > StoreLimits.MaxFileNameLength || name.Any(char.IsControl))
        {
            throw new StoreUsageException($"a stored file's name is 1-{StoreLimits.MaxFileNameLength} printable characters");
        }
    }

    private sealed record PutBuffers(BufferPool Plain, BufferPool Blocks, BufferPool Combinations);

    private sealed record PutStripe(StoredFile File, StoreLayout Layout, FileCipher Cipher, byte[] MacKey, long Stripe, byte[] Plain, int PlainLength, bool Final, PutBuffers Buffers);

    private static async Task RunStripeAsync(PutStripe job, ServerSession session, ConcurrentQueue<StoredCombination> stored, SemaphoreSlim window, IProgress<long>? progress, CancellationTokenSource failed)
    {
        var blockSize = job.File.BlockSize;
        var combinations = job.Buffers.Combinations.Rent();
        try
        {
            var records = await Task.Run(() => Encode(job, combinations), failed.Token);
            await Task.WhenAll(records.Select(async (record, slot) =>
            {
                await session.Client(record.Server).PutAsync(record.ObjectId, combinations.AsMemory(slot * blockSize, blockSize), failed.Token);
                stored.Enqueue(record);
            }));
            progress?.Report(job.PlainLength);
        }
        catch
        {
            await failed.CancelAsync();
            throw;
        }
        finally
        {
            job.Buffers.Combinations.Return(combinations);
            job.Buffers.Plain.Return(job.Plain);
            window.Release();
        }
    }

    /// <summary>Encrypts a stripe's chunks into blocks and writes its n combinations; returns their map records.</summary>
    private static StoredCombination[] Encode(PutStripe job, byte[] combinations)
    {
        var blockSize = job.File.BlockSize;
        var k = job.Layout.DataBlocks;
        var chunk = job.Cipher.ChunkSize;
        var chunks = job.Final ? Math.Max(1, (job.PlainLength + chunk - 1) / chunk) : k;
        var blocks = job.Buffers.Blocks.Rent();
        try
        {
            for (var i = 0; i < k; i++)
            {
                var block = blocks.AsSpan(i * blockSize, blockSize);
                if (i < chunks)
                {
                    var start = i * chunk;
                    var plain = job.Plain.AsSpan(start, Math.Min(chunk, job.PlainLength - start));
                    job.Cipher.Encrypt((job.Stripe * k) + i, job.Final && i == chunks - 1, plain, block);
                }
                else
                {
                    // Padding blocks are random, so a combination with padding never exposes a lone block.
                    RandomNumberGenerator.Fill(block);
                }
            }

            var records = new StoredCombination[job.Layout.Slots.Count];
            for (var slot = 0; slot < records.Length; slot++)
            {
                var destination = combinations.AsSpan(slot * blockSize, blockSize);
                BlockXor.Combine(destination, job.Layout.Slots[slot].Mask, i => blocks.AsMemory(i * blockSize, blockSize));
                var nonce = RandomNumberGenerator.GetBytes(StoreLimits.CombinationNonceLength);
                var mac = new byte[StoreLimits.MacLength];
                CombinationMac.Compute(job.MacKey, job.File.Id, job.Stripe, slot, nonce, destination, mac);
                var server = job.File.Servers[job.Layout.Slots[slot].ServerOf(job.Stripe, job.Layout.Servers)];
                records[slot] = new StoredCombination(job.Stripe, slot, server, NewObjectId(), nonce, mac);
            }

            return records;
        }
        finally
        {
            job.Buffers.Blocks.Return(blocks);
        }
    }
}
