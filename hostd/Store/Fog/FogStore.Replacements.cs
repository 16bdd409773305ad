using Jumpstart.Hostd.Store.Catalog;
using Jumpstart.Hostd.Store.Protocol;

namespace Jumpstart.Hostd.Store.Fog;

public sealed partial class FogStore
{
    /// <summary>
    /// A replacement must be a registered server that holds nothing of the file and replaces one server only:
    /// otherwise one server would hold two roles of a stripe, and the combinations of two roles can XOR to a block.
    /// </summary>
    private static void CheckReplacements(StoredFile file, IReadOnlyList<StoredCombination> combinations, IReadOnlyList<StoreServer> registered, IReadOnlyDictionary<string, string> replacements)
    {
        foreach (var (old, target) in replacements)
        {
            if (registered.All(s => s.Name != target))
            {
                throw new StoreUsageException($"replacement server '{target}' is not registered");
            }

            // A replacement may already hold combinations of the role it takes over (an earlier repair moved part of it), nothing else.
            if (file.Servers.Contains(target, StringComparer.Ordinal) || combinations.Any(c => c.Server == target && RoleOf(file, c) != old))
            {
                throw new StoreUsageException($"replacement server '{target}' already holds part of '{file.Name}'; a replacement must hold none");
            }

            if (replacements.Count(r => r.Value == target) > 1)
            {
                throw new StoreUsageException($"server '{target}' cannot replace more than one server");
            }
        }
    }

    /// <summary>The placement's server for the role (layout server index) a combination belongs to.</summary>
    private static string RoleOf(StoredFile file, StoredCombination combination)
        => file.Servers[file.Layout.Slots[combination.Slot].ServerOf(combination.Stripe, file.Servers.Count)];

    /// <summary>
    /// Adds a replacement for every server of the file that does not answer: the first free registered server in
    /// registration order, each used once. Returns a line for each server left without one.
    /// </summary>
    private static async Task<List<string>> ChooseReplacementsAsync(
        StoredFile file, IReadOnlyList<StoredCombination> combinations, IReadOnlyList<StoreServer> byRegistration, ServerSession session, Dictionary<string, string> chosen, CancellationToken cancellationToken)
    {
        var holders = Holders(file, combinations);
        var unreachable = new List<string>();
        foreach (var server in file.Servers.Concat(combinations.Select(c => c.Server)).Distinct(StringComparer.Ordinal).Where(h => !chosen.ContainsKey(h)))
        {
            if (!await AnswersAsync(session, server, cancellationToken))
            {
                unreachable.Add(server);
            }
        }

        var free = new Queue<string>(byRegistration.Select(s => s.Name).Where(s => !holders.Contains(s) && !chosen.ContainsValue(s)));
        var unplaced = new List<string>();
        foreach (var server in unreachable)
        {
            while (free.TryDequeue(out var candidate))
            {
                if (await AnswersAsync(session, candidate, cancellationToken))
                {
                    chosen[server] = candidate;
                    break;
                }
            }

            if (!chosen.ContainsKey(server))
            {
                var lost = combinations.Count(c => c.Server == server);
                unplaced.Add($"server {server} is unreachable and no free registered server can take its role: its {lost} combination(s) were not re-created (register one with 'store servers add')");
            }
        }

        return unplaced;
    }

    private static async Task<bool> AnswersAsync(ServerSession session, string server, CancellationToken cancellationToken)
    {
        if (session.IsDown(server))
        {
            return false;
        }

        try
        {
            await session.Client(server).StatsAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is BlockServerUnavailableException or BlockServerDeniedException or BlockProtocolException)
        {
            return false;
        }
    }

    /// <summary>The servers of the placement and every server the block map names.</summary>
    private static HashSet<string> Holders(StoredFile file, IReadOnlyList<StoredCombination> combinations)
        => new(file.Servers.Concat(combinations.Select(c => c.Server)), StringComparer.Ordinal);

    /// <summary>
    /// Names the replacement in the file's placement for every replaced server that no combination of the file
    /// is left on, so later reads and repairs treat it as that role's server.
    /// </summary>
    private StoredFile TakeOverRoles(StoredFile file, IReadOnlyDictionary<string, string> replacements)
    {
        if (replacements.Count == 0)
        {
            return file;
        }

        var (current, combinations) = _catalog.GetFile(file.Name);
        var left = combinations.Select(c => c.Server).ToHashSet(StringComparer.Ordinal);
        var servers = current.Servers.Select(s => replacements.TryGetValue(s, out var target) && !left.Contains(s) ? target : s).ToList();
        if (servers.SequenceEqual(current.Servers, StringComparer.Ordinal))
        {
            return current;
        }

        _catalog.SetFileServers(current.Id, servers);
        return current with { Servers = servers };
    }
}
