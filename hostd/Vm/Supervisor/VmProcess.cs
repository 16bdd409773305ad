using System.Globalization;
using Jumpstart.Shared.IO;
using Mono.Unix.Native;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>Checks on a daemonized QEMU that is not hostd's child: by pid, and by its <c>-name</c> to survive pid reuse.</summary>
public static class VmProcess
{
    /// <summary>Most bytes read from QEMU's pidfile.</summary>
    public const int MaxPidFileBytes = 64;

    /// <summary>Most bytes read from /proc/PID/stat (a command name is at most 16 bytes; the rest is 52 numbers).</summary>
    public const int MaxProcStatBytes = 4096;

    /// <summary>Most bytes read from /proc/PID/cmdline; a longer one is not a QEMU hostd started.</summary>
    public const int MaxCmdlineBytes = 256 * 1024;

    /// <summary>Reads QEMU's pidfile; null when it is missing or not a number.</summary>
    public static int? ReadPidFile(string path)
    {
        try
        {
            return int.TryParse(BoundedFile.ReadAllText(path, MaxPidFileBytes).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1 ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or InputFileException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="pid"/> is a live (not zombie) QEMU started with <c>-name</c> <paramref name="name"/>.</summary>
    public static bool IsAlive(int pid, string name)
    {
        try
        {
            var stat = BoundedFile.ReadAllText($"/proc/{pid}/stat", MaxProcStatBytes);
            var afterComm = stat.LastIndexOf(')');
            if (afterComm < 0 || afterComm + 2 >= stat.Length || stat[afterComm + 2] is 'Z' or 'X')
            {
                return false;
            }

            var argv = BoundedFile.ReadAllText($"/proc/{pid}/cmdline", MaxCmdlineBytes).Split('\0');
            var nameIndex = Array.IndexOf(argv, "-name");
            return nameIndex >= 0 && nameIndex + 1 < argv.Length && argv[nameIndex + 1] == name;
        }
        catch (Exception ex) when (ex is IOException or InputFileException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Polls until the process is gone or <paramref name="timeout"/> passes; true when gone.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var poll = TimeSpan.FromMilliseconds(20);
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(pid, name))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(poll, cancellationToken);
        }

        return true;
    }

    /// <summary>SIGKILL, for a QEMU that would not quit.</summary>
    public static void Kill(int pid) => _ = Syscall.kill(pid, Signum.SIGKILL);
}
