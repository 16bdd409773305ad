using System.Text;
using Jumpstart.Shared.IO;

namespace Jumpstart.Guestd.Network;

/// <summary>Writes resolv.conf(5) under a root directory from the validated DNS settings of every interface.</summary>
public static class ResolvConf
{
    /// <summary>resolv.conf honours at most three nameservers (MAXNS in resolv.h).</summary>
    public const int MaxNameservers = 3;

    public const string RelativePath = "etc/resolv.conf";

    /// <summary>Writes the file atomically; returns false (and writes nothing) when the metadata names no DNS servers or domains.</summary>
    public static bool Write(string root, string instanceId, IReadOnlyList<InterfacePlan> plans)
    {
        var content = Render(instanceId, plans);
        if (content is null)
        {
            return false;
        }

        AtomicFile.WriteAllText(Path.Combine(root, RelativePath), content);
        return true;
    }

    /// <summary>The file's text, or null when there is nothing to say.</summary>
    public static string? Render(string instanceId, IReadOnlyList<InterfacePlan> plans)
    {
        var servers = plans.SelectMany(p => p.DnsServers).Select(a => a.ToString()).Distinct().Take(MaxNameservers).ToList();
        var search = plans.SelectMany(p => p.DnsSearch).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (servers.Count == 0 && search.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        text.Append("# Written by jumpstart-guestd for instance ").Append(instanceId).Append('\n');
        foreach (var server in servers)
        {
            text.Append("nameserver ").Append(server).Append('\n');
        }

        if (search.Count > 0)
        {
            text.Append("search ").AppendJoin(' ', search).Append('\n');
        }

        return text.ToString();
    }
}
