using System.Net.Sockets;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// The CLI never opens a running hostd's databases behind its back (its store catalog, its flow
/// database, its CMS database, its bundles): those belong to the daemon, which has methods for
/// them on the control socket. The offline commands that do open a SQLite file (<c>store</c> with
/// <c>--db</c>, <c>flows top/export/classify</c>) first ask whoever answers on the control socket
/// for its state directory, and refuse a file under it. With no hostd answering, the file is the
/// operator's own and is opened.
/// </summary>
public static class HostdOwnedFiles
{
    /// <summary>The control socket the guard asks: <c>$JUMPSTART_SOCKET</c> or the default.</summary>
    public static string SocketPath => Environment.GetEnvironmentVariable(HostMethods.SocketEnvironmentVariable) is { Length: > 0 } path ? path : HostMethods.DefaultSocketPath;

    /// <summary>The state directory of the hostd answering on <paramref name="socketPath"/>, or null when none answers.</summary>
    public static async Task<string?> RunningStateDirectoryAsync(string socketPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
        {
            return null;
        }

        try
        {
            await using var connection = await HostdConnection.ConnectAsync(socketPath, cancellationToken);
            return (await connection.InvokeAsync<HostStatus>(HostMethods.Status, cancellationToken: cancellationToken)).StateDirectory;
        }
        catch (SocketException)
        {
            // A stale socket file: no hostd runs, the file is nobody's but the operator's.
            return null;
        }
    }

    /// <summary>True when <paramref name="path"/> lies in <paramref name="stateDirectory"/> (or is it).</summary>
    public static bool IsUnder(string path, string stateDirectory)
    {
        var full = Path.GetFullPath(path);
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(stateDirectory));
        return full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>Throws a usage error when a running hostd owns <paramref name="path"/>.</summary>
    /// <param name="path">The database the command would open.</param>
    /// <param name="instead">What to run instead (the hostd method's command), for the message.</param>
    /// <param name="cancellationToken">Stops the status call.</param>
    /// <exception cref="CliUsageException">The file is under the running hostd's state directory.</exception>
    public static async Task RequireNotHostdsAsync(string path, string instead, CancellationToken cancellationToken)
    {
        if (await RunningStateDirectoryAsync(SocketPath, cancellationToken) is { } state && IsUnder(path, state))
        {
            throw new CliUsageException($"{path} belongs to the running hostd (state directory {state}); the CLI does not open it behind hostd's back: {instead}");
        }
    }
}
