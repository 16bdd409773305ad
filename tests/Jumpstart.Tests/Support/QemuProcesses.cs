using System.Globalization;
using System.Text;

namespace Jumpstart.Tests.Support;

/// <summary>The QEMU processes a test's hostd started: found by their pidfiles under its directories, checked against /proc.</summary>
public static class QemuProcesses
{
    /// <summary>Pids of live QEMU processes whose pidfile is under one of <paramref name="roots"/> and whose command line names <paramref name="owner"/>.</summary>
    public static IReadOnlyList<int> Under(string owner, params string[] roots)
    {
        var pids = new List<int>();
        foreach (var root in roots.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(root, "*.pid", SearchOption.AllDirectories))
            {
                if (int.TryParse(ReadQuietly(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && IsQemuOf(pid, owner))
                {
                    pids.Add(pid);
                }
            }
        }

        return pids;
    }

    private static string ReadQuietly(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static bool IsQemuOf(int pid, string owner)
    {
        try
        {
            var commandLine = Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid}/cmdline"));
            return commandLine.Contains("qemu-system", StringComparison.Ordinal) && commandLine.Contains(owner, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
