using System.CommandLine;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// The global <c>--host NAME</c> (or <c>$JUMPSTART_HOST</c>): every hostd call of the command runs on cluster host NAME.
/// The CLI still talks to its local hostd only; the connection's <see cref="JsonRpcPeer.CallRewriter"/> turns each call
/// into <see cref="RemoteControlMethods.Invoke"/>, which hostd relays through the manager (hostd/Cluster/README.md).
/// </summary>
public static class RemoteHost
{
    /// <summary>The option's name.</summary>
    public const string OptionName = "--host";

    /// <summary>The environment variable that gives the default.</summary>
    public const string EnvironmentVariable = "JUMPSTART_HOST";

    /// <summary>The option, for the root command (recursive: every command has it).</summary>
    public static Option<string?> CreateOption() => new(OptionName)
    {
        Description = $"Run the command's hostd calls on this cluster host, relayed by the local hostd through the manager (default ${EnvironmentVariable}; none: the local hostd).",
        HelpName = "NAME",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } host ? host : null,
        Recursive = true,
    };

    /// <summary>The host the command's calls run on, or null for the local hostd.</summary>
    public static string? Of(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.RootCommandResult.Command.Options.Any(o => o.Name == OptionName) ? parse.GetValue<string?>(OptionName) : null;
    }

    /// <summary>Makes <paramref name="connection"/> relay its calls to <paramref name="host"/> (nothing when null).</summary>
    public static void Apply(JsonRpcPeer connection, string? host)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!string.IsNullOrEmpty(host))
        {
            connection.CallRewriter = new ClusterInvokeRewriter(host);
        }
    }
}
