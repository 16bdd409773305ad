namespace Jumpstart.Hostd.Store.Server;

/// <summary>Authenticated connections: a cap for all peers together and one per peer, so one peer cannot take every slot.</summary>
internal sealed class PeerSlots(int capacity, int perPeer)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _perPeer = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>Takes a slot for <paramref name="peer"/>; returns null, or why there is none.</summary>
    public string? TryEnter(string peer)
    {
        lock (_lock)
        {
            var held = _perPeer.GetValueOrDefault(peer);
            if (held >= perPeer)
            {
                return $"peer {peer} already has {held} connections (at most {perPeer})";
            }

            if (_count >= capacity)
            {
                return $"{_count} connections already (at most {capacity})";
            }

            _perPeer[peer] = held + 1;
            _count++;
            return null;
        }
    }

    /// <summary>Frees a slot <see cref="TryEnter"/> gave <paramref name="peer"/>.</summary>
    public void Leave(string peer)
    {
        lock (_lock)
        {
            var left = _perPeer[peer] - 1;
            if (left == 0)
            {
                _perPeer.Remove(peer);
            }
            else
            {
                _perPeer[peer] = left;
            }

            _count--;
        }
    }
}
