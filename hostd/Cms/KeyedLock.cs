using System.Collections.Concurrent;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// One async mutex per key. Registrations of one deployment run one at a time (the policy must see
/// every earlier assignment: that is what makes "exactly one master" hold); deployments do not wait
/// for each other.
/// </summary>
internal sealed class KeyedLock
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public async Task<Releaser> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(key, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Releaser(gate);
    }

    /// <summary>Releases the key's mutex when disposed.</summary>
    public readonly struct Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
