using System.CommandLine;
using System.Globalization;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart cluster init|token|join|hosts|remove|status|migrate-store|add-manager</c>: the cluster of hosts (hostd/Cluster/README.md). The
/// CLI asks the local hostd, which holds the keys and talks to the manager over mutual TLS.
/// </summary>
public static class ClusterCommands
{
    public static Command Create()
    {
        var options = HostdCall.CreateOptions();
        var cluster = new Command("cluster", "The cluster of hosts: create it, issue join tokens, join, list, remove hosts.") { options.Socket, options.Json };
        cluster.Subcommands.Add(CreateInit(options));
        cluster.Subcommands.Add(CreateToken(options));
        cluster.Subcommands.Add(CreateJoin(options));
        cluster.Subcommands.Add(CreateHosts(options));
        cluster.Subcommands.Add(CreateRemove(options));
        cluster.Subcommands.Add(CreateStatus(options));
        cluster.Subcommands.Add(CreateMigrateStore(options));
        cluster.Subcommands.Add(CreateAddManager(options));
        return cluster;
    }

    private static Command CreateInit(HostdCall.Options options)
    {
        var store = new Option<string?>("--store") { Description = "Where the manager keeps the cluster's state: sqlite (default: Cluster:Store) or etcd://HOST:PORT,HOST:PORT,... (several managers, one leader)." };
        var command = new Command("init", "Create a cluster with this host as its manager: a CA, this host's certificate, the manager role.") { store };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var result = await connection.InvokeAsync<ClusterInitResult>(ClusterMethods.Init, new ClusterInitRequest { Store = parse.GetValue(store) }, cancellationToken);
            await CliOutput.WriteAsync(output, json, result, r => string.Join(
                '\n',
                $"cluster created; {r.Name} is its manager, listening on {r.Listen}",
                $"CA hash: {r.CaHash}",
                "join another host with:",
                $"  jumpstart cluster join {r.Endpoint ?? "MANAGER:PORT"} --token $(jumpstart cluster token create) --ca-hash {r.CaHash}",
                "(run 'jumpstart cluster token create' here, on the manager)"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateToken(HostdCall.Options options)
    {
        var ttl = new Option<string>("--ttl") { Description = "How long the token is valid: 90s, 30m, 1h, 2d (at most 7d).", DefaultValueFactory = _ => "1h" };
        var uses = new Option<int>("--uses") { Description = "How many hosts may join with it (1-1000).", DefaultValueFactory = _ => 1 };
        var create = new Command("create", "Print a new join token (shown once; the manager keeps only its hash).") { ttl, uses };
        create.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var request = new TokenCreateRequest { TtlSeconds = (long)ParseTtl(parse.GetRequiredValue(ttl)).TotalSeconds, Uses = parse.GetValue(uses) };
            var result = await connection.InvokeAsync<TokenCreateResult>(ClusterMethods.TokenCreate, request, cancellationToken);

            // Only the token, so that $(jumpstart cluster token create) is the token.
            await CliOutput.WriteAsync(output, json, result, r => r.Token);
            return ExitCodes.Ok;
        }));
        var list = new Command("list", "List the join tokens (ids, expiry, uses; never the secrets).");
        list.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var tokens = await connection.InvokeAsync<TokenInfo[]>(ClusterMethods.TokenList, cancellationToken: cancellationToken);
            await CliOutput.WriteAsync(output, json, tokens, FormatTokens);
            return ExitCodes.Ok;
        }));
        return new Command("token", "Join tokens (on the manager).") { create, list };
    }

    private static Command CreateJoin(HostdCall.Options options)
    {
        var manager = new Argument<string>("manager") { Description = "The manager's cluster port, HOST:PORT; with several managers (etcd), any number of them as HOST:PORT,HOST:PORT,... (the first that answers admits)." };
        var token = new Option<string>("--token") { Description = "A token from 'jumpstart cluster token create' on the manager.", Required = true };
        var caHash = new Option<string>("--ca-hash") { Description = "sha256:HEX of the manager's CA, as 'jumpstart cluster init' printed it.", Required = true };
        var command = new Command("join", "Join this host to a cluster: pin the manager's CA by its hash, present the token, get a certificate.") { manager, token, caHash };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var request = new ClusterJoinRequest { Manager = parse.GetRequiredValue(manager), Token = parse.GetRequiredValue(token), CaHash = parse.GetRequiredValue(caHash) };
            var result = await connection.InvokeAsync<ClusterJoinResult>(ClusterMethods.Join, request, cancellationToken);
            await CliOutput.WriteAsync(output, json, result, r => $"joined the cluster of {r.ManagerName} ({r.Manager}) as {r.Name}; certificate valid until {r.CertificateExpires:u}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateHosts(HostdCall.Options options)
    {
        var command = new Command("hosts", "List the cluster's hosts: state, endpoint, capacity, last heartbeat.");
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var hosts = await connection.InvokeAsync<ClusterHostInfo[]>(ClusterMethods.Hosts, cancellationToken: cancellationToken);
            await CliOutput.WriteAsync(output, json, hosts, FormatHosts);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateMigrateStore(HostdCall.Options options)
    {
        var to = new Option<string>("--to") { Description = "The etcd store to move to: etcd://HOST:PORT,HOST:PORT,... (TLS files: Cluster:EtcdCaFile, EtcdCertificateFile, EtcdKeyFile).", Required = true };
        var command = new Command("migrate-store", "Move the manager's state from SQLite to etcd in one step; the manager uses etcd from then on.") { to };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var result = await connection.InvokeAsync<ClusterMigrateStoreResult>(ClusterMethods.MigrateStore, new ClusterMigrateStoreRequest { To = parse.GetRequiredValue(to) }, cancellationToken);
            await CliOutput.WriteAsync(output, json, result, r => string.Create(
                CultureInfo.InvariantCulture,
                $"moved to {r.To}: {r.Hosts} hosts, {r.Tokens} tokens, {r.Revocations} revocations, {r.Deployments} deployments ({r.Placements} placements), {r.Holdings} bundle holdings; {r.From} is no longer used"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateAddManager(HostdCall.Options options)
    {
        var host = new Argument<string>("host") { Description = "The member to make a manager (its name in 'jumpstart cluster hosts'); it must be up and connected to this manager." };
        var command = new Command("add-manager", "Make a member another manager of this etcd-backed cluster: it gets the CA key over mutual TLS, reaches etcd with its TLS files and campaigns for leadership.") { host };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var result = await connection.InvokeAsync<ClusterAddManagerResult>(ClusterMethods.AddManager, new ClusterAddManagerRequest { Name = parse.GetRequiredValue(host) }, cancellationToken);
            await CliOutput.WriteAsync(output, json, result, r => $"{r.Name} is a manager; the managers: {string.Join(", ", r.Managers.Select(m => $"{m.Name} ({m.Endpoint})"))}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateRemove(HostdCall.Options options)
    {
        var host = new Argument<string>("host") { Description = "The host to remove (its name in 'jumpstart cluster hosts')." };
        var command = new Command("remove", "Remove a host: revoke its certificate and push the revocation list to every host.") { host };
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var result = await connection.InvokeAsync<ClusterRemoveResult>(ClusterMethods.Remove, new ClusterRemoveRequest { Name = parse.GetRequiredValue(host) }, cancellationToken);
            await CliOutput.WriteAsync(output, json, result, r => $"removed {r.Name}: certificate {r.Serial} revoked (revocation list {r.CrlNumber}, pushed to {r.Notified} hosts)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateStatus(HostdCall.Options options)
    {
        var command = new Command("status", "Show this host's part in the cluster: role, name, manager, certificate, connection.");
        command.SetAction((parse, cancellationToken) => HostdCall.RunAsync(parse, options, cancellationToken, async (connection, json, output) =>
        {
            var status = await connection.InvokeAsync<ClusterStatus>(ClusterMethods.Status, cancellationToken: cancellationToken);
            await CliOutput.WriteAsync(output, json, status, FormatStatus);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>A TTL: a positive number with s, m, h or d (seconds without a unit).</summary>
    internal static TimeSpan ParseTtl(string text)
    {
        var unit = text.Length > 0 && char.IsAsciiLetter(text[^1]) ? char.ToLowerInvariant(text[^1]) : 's';
        var number = text.Length > 0 && char.IsAsciiLetter(text[^1]) ? text[..^1] : text;
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0 || value > 1e6)
        {
            throw new CliUsageException($"--ttl '{text}' is not a duration such as 90s, 30m, 1h or 2d");
        }

        return unit switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            'd' => TimeSpan.FromDays(value),
            _ => throw new CliUsageException($"--ttl '{text}' is not a duration such as 90s, 30m, 1h or 2d"),
        };
    }

    private static string FormatHosts(ClusterHostInfo[] hosts) => hosts.Length == 0
        ? "no hosts"
        : string.Join('\n', [
            $"{"NAME",-20} {"ROLE",-8} {"STATE",-8} {"ENDPOINT",-22} {"CORES",5} {"MEM FREE/TOTAL",-19} {"VMS",4} {"BUNDLES",7} {"DISK FREE",10} {"LAST HEARTBEAT",-20}",
            .. hosts.Select(h => string.Create(
                CultureInfo.InvariantCulture,
                $"{h.Name,-20} {h.Role,-8} {h.State,-8} {h.Endpoint,-22} {h.Capacity?.Cores.ToString(CultureInfo.InvariantCulture) ?? "-",5} {Memory(h.Capacity),-19} {h.Capacity?.RunningVms.ToString(CultureInfo.InvariantCulture) ?? "-",4} {(h.Capacity is { } held ? BundleCount(held).ToString(CultureInfo.InvariantCulture) : "-"),7} {(h.Capacity is { } c ? Bytes(c.FreeSpaceBytes) : "-"),10} {h.LastHeartbeatAt?.ToString("u", CultureInfo.InvariantCulture) ?? "never",-20}"))]);

    /// <summary>Distinct bundles: a heartbeat lists each by id (64 hex digits), and an own bundle by its name as well.</summary>
    private static int BundleCount(HostCapacity capacity)
        => capacity.Bundles.Count(b => b.Length == 64 && b.All(char.IsAsciiHexDigitLower)) is var ids and > 0 ? ids : capacity.Bundles.Count;

    private static string Memory(HostCapacity? capacity) => capacity is null ? "-" : $"{Bytes(capacity.MemoryAvailableBytes)}/{Bytes(capacity.MemoryTotalBytes)}";

    private static string Bytes(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0}G")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0}M");

    private static string FormatTokens(TokenInfo[] tokens) => tokens.Length == 0
        ? "no tokens"
        : string.Join('\n', [
            $"{"ID",-8} {"CREATED",-20} {"EXPIRES",-20} {"USED",9}",
            .. tokens.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Id,-8} {t.CreatedAt:u} {t.ExpiresAt:u} {$"{t.Used}/{t.MaxUses}",9}"))]);

    private static string FormatStatus(ClusterStatus s) => s.Role == ClusterRoles.None
        ? $"{s.Name} is in no cluster"
        : string.Join(
            '\n',
            $"name:         {s.Name}",
            $"role:         {s.Role}",
            $"manager:      {s.ManagerName}{(s.Manager is null ? "" : $" at {s.Manager}")}",
            $"listen:       {s.Listen}",
            $"CA hash:      {s.CaHash}",
            string.Create(CultureInfo.InvariantCulture, $"certificate:  {s.Serial}, valid until {s.CertificateExpires:u}{(s.Revoked ? " (REVOKED: removed from the cluster)" : "")}"),
            string.Create(CultureInfo.InvariantCulture, $"revocations:  list {s.CrlNumber}"),
            $"connected:    {(s.Connected ? "yes" : "no")}{(s.LastError is null ? "" : $" ({s.LastError})")}",
            string.Create(CultureInfo.InvariantCulture, $"heartbeat:    {s.LastHeartbeatAt?.ToString("u", CultureInfo.InvariantCulture) ?? "-"}")) + (s.Store is null
            ? ""
            : $"\nstore:        {s.Store}{(s.Leading is { } leading ? (leading ? " (this manager leads)" : " (this manager follows)") : "")}")
            + (s.Managers is { Length: > 1 } managers ? $"\nmanagers:     {string.Join(", ", managers.Select(m => $"{m.Name} at {m.Endpoint}"))}" : "");
}
