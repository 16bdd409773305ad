using System.Globalization;

namespace Jumpstart.Bench.Cms;

/// <summary>
/// Command-line settings: <c>--instances N</c> (1000), <c>--rounds N</c> (3), <c>--policy master-workers|all-same</c>,
/// <c>--store sqlite|etcd</c> (sqlite; etcd runs SQLite and then etcd in the same run), <c>--etcd-members 1|3</c> (1).
/// </summary>
public sealed record CmsBenchSettings(int Instances, int Rounds, string Policy, string Store = "sqlite", int EtcdMembers = 1)
{
    private const int MaxInstances = 100_000;

    /// <summary>Null with a message on bad input.</summary>
    public static CmsBenchSettings? Parse(IReadOnlyList<string> args, out string? error)
    {
        var instances = 1000;
        var rounds = 3;
        var policy = "master-workers";
        var store = "sqlite";
        var members = 1;
        error = null;
        for (var i = 0; i < args.Count; i += 2)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            var ok = args[i] switch
            {
                "--instances" => int.TryParse(value, CultureInfo.InvariantCulture, out instances) && instances is > 0 and <= MaxInstances,
                "--rounds" => int.TryParse(value, CultureInfo.InvariantCulture, out rounds) && rounds > 0,
                "--policy" => (policy = value ?? string.Empty) is "master-workers" or "all-same",
                "--store" => (store = value ?? string.Empty) is "sqlite" or "etcd",
                "--etcd-members" => int.TryParse(value, CultureInfo.InvariantCulture, out members) && members is 1 or 3,
                _ => false,
            };
            if (!ok)
            {
                error = $"bad option or value near '{args[i]}'";
                return null;
            }
        }

        return new CmsBenchSettings(instances, rounds, policy, store, members);
    }
}
