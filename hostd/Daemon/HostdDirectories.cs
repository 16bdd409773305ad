using Jumpstart.Hostd.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mono.Unix.Native;

namespace Jumpstart.Hostd.Daemon;

/// <summary>
/// Makes sure the state and runtime directories exist and are writable before anything uses them.
/// Under systemd, StateDirectory= and RuntimeDirectory= already created them; run by hand (or in a
/// test with temp directories) hostd creates them itself. Not writable: exit 77.
/// </summary>
public sealed class HostdDirectories(IOptions<HostdOptions> options) : IHostedService
{
    /// <summary>0750: state holds VM memory images; only hostd and its group may look inside.</summary>
    private const FilePermissions StateMode = FilePermissions.S_IRWXU | FilePermissions.S_IRGRP | FilePermissions.S_IXGRP;

    /// <summary>0755: clients must be able to reach the socket; the socket's own mode guards it.</summary>
    private const FilePermissions RuntimeMode = StateMode | FilePermissions.S_IROTH | FilePermissions.S_IXOTH;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        Prepare(settings.StateDirectory, StateMode);
        Prepare(settings.RuntimeDirectory, RuntimeMode);
        var socketDirectory = Path.GetDirectoryName(settings.EffectiveControlSocketPath);
        if (!string.IsNullOrEmpty(socketDirectory) && socketDirectory != settings.RuntimeDirectory)
        {
            Prepare(socketDirectory, RuntimeMode);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static void Prepare(string directory, FilePermissions mode)
    {
        if (!Directory.Exists(directory))
        {
            // CreateDirectory throws UnauthorizedAccessException when the parent is not ours. A
            // directory systemd made keeps the mode its unit asked for; only ours gets set here.
            Directory.CreateDirectory(directory);
            _ = Syscall.chmod(directory, mode);
        }

        if (Syscall.access(directory, AccessModes.W_OK | AccessModes.X_OK) != 0)
        {
            throw new UnauthorizedAccessException($"{directory} is not writable by this user ({Stdlib.GetLastError()})");
        }
    }
}
