using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Guestd.Identity;

/// <summary>
/// Replaces the template's SSH host keys with new ones, when an SSH server is installed: clones that
/// share host keys can impersonate each other. Removes etc/ssh/ssh_host_*key* under the root, then
/// runs <c>ssh-keygen -A</c> (with <c>-f ROOT</c> as the path prefix when the root is not /).
/// </summary>
/// <remarks>ssh-keygen(1): "-A For each of the key types ... for which host keys do not exist, generate the host keys ... If -f has also been specified, its argument is used as a prefix to the default path for the resulting host key files."</remarks>
public sealed class SshHostKeys(string keygenTool = SshHostKeys.DefaultKeygen)
{
    public const string DefaultKeygen = "ssh-keygen";

    /// <summary>Key generation is quick; RSA on a slow emulated CPU takes the longest.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private const string KeyPattern = "ssh_host_*key*";
    private const int MaxOutputChars = 16 * 1024;

    /// <summary>True when <paramref name="root"/> has an SSH server (sshd or its configuration).</summary>
    public static bool ServerInstalled(string root)
        => File.Exists(Path.Combine(root, "usr/sbin/sshd")) || File.Exists(Path.Combine(root, "etc/ssh/sshd_config"));

    /// <summary>Regenerates the keys; returns how many key files exist afterwards, or null when no SSH server is installed.</summary>
    /// <exception cref="IdentityException">ssh-keygen is missing or failed.</exception>
    public async Task<int?> RegenerateAsync(string root, CancellationToken cancellationToken)
    {
        if (!ServerInstalled(root))
        {
            return null;
        }

        // sshd without /etc/ssh (a minimal image, a container sharing the host's /usr): ssh-keygen -A needs the folder.
        var directory = Path.Combine(root, "etc/ssh");
        Directory.CreateDirectory(directory);
        foreach (var old in Directory.EnumerateFiles(directory, KeyPattern))
        {
            File.Delete(old);
        }

        List<string> argv = ["-A"];
        if (Path.GetFullPath(root) != "/")
        {
            argv.AddRange(["-f", Path.GetFullPath(root)]);
        }

        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(keygenTool, argv, new ProcessRunOptions { Timeout = Timeout, MaxCapturedChars = MaxOutputChars }, cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            throw new IdentityException(StepNames.SshHostKeys, $"an SSH server is installed but '{keygenTool}' cannot run: {ex.Message}", ex);
        }

        if (!result.Succeeded)
        {
            throw new IdentityException(StepNames.SshHostKeys, $"'{keygenTool} -A' failed ({ProcessFailure.Describe(result, Timeout)})");
        }

        return Directory.EnumerateFiles(directory, KeyPattern).Count(f => !f.EndsWith(".pub", StringComparison.Ordinal));
    }
}
