using System.Diagnostics.CodeAnalysis;

namespace Jumpstart.Shared.Sockets;

/// <summary>
/// Admission for one listener: at most <see cref="Cap"/> connections of its own, and a descriptor from the process's
/// <see cref="ConnectionBudget"/> for each, so that all listeners together never take the descriptors the process needs.
/// Call <see cref="TryAdmit"/> for each accepted socket (close it at once when refused) and <see cref="Release"/> once
/// when an admitted connection closes.
/// </summary>
public sealed class ConnectionLimiter
{
    private int _count;

    /// <param name="configured">The listener's own cap (its configuration).</param>
    /// <param name="budget">The shared budget; <see cref="ConnectionBudget.Process"/> when null.</param>
    /// <param name="administrative">An operator's listener (hostd's control socket): it may also take the budget's
    /// <see cref="ConnectionBudget.AdministrativeReserve"/>, which the others leave free.</param>
    public ConnectionLimiter(int configured, ConnectionBudget? budget = null, bool administrative = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(configured);
        Configured = configured;
        Budget = budget ?? ConnectionBudget.Process;
        Administrative = administrative;
        Cap = Math.Min(configured, Budget.CapacityFor(administrative));
    }

    /// <summary>Whether this listener may take the budget's administrative reserve.</summary>
    public bool Administrative { get; }

    /// <summary>The cap the listener was configured with.</summary>
    public int Configured { get; }

    /// <summary>The cap in force: <see cref="Configured"/>, or less when the process's descriptors cannot hold that many.</summary>
    public int Cap { get; }

    /// <summary>The process-wide budget this listener draws on.</summary>
    public ConnectionBudget Budget { get; }

    /// <summary>Connections admitted and not yet released.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Admits one connection, or says why not (<paramref name="refusal"/>, for the log): the listener holds
    /// <see cref="Cap"/> connections, or the process has no descriptor to spare. A refusal takes nothing.
    /// </summary>
    public bool TryAdmit([NotNullWhen(false)] out string? refusal)
    {
        if (Interlocked.Increment(ref _count) > Cap)
        {
            Interlocked.Decrement(ref _count);
            refusal = Cap < Configured
                ? $"{Cap} connections are open (the cap, lowered from {Configured} by the descriptor limit)"
                : $"{Cap} connections are open (the cap)";
            return false;
        }

        if (!Budget.TryTake(Administrative))
        {
            Interlocked.Decrement(ref _count);
            refusal = $"the process has no descriptor to spare: {Budget}, all in use";
            return false;
        }

        refusal = null;
        return true;
    }

    /// <summary>Releases an admitted connection's place and descriptor.</summary>
    public void Release()
    {
        Interlocked.Decrement(ref _count);
        Budget.Return();
    }

    /// <summary>For the listener's start-up log line.</summary>
    public override string ToString()
        => Cap < Configured
            ? $"at most {Cap} connections (configured {Configured}, lowered because {Budget})"
            : $"at most {Cap} connections ({Budget})";
}
