using Jumpstart.Shared.Processes;

namespace Jumpstart.Tests.Support;

/// <summary>
/// External tools and privileges integration tests need. On a laptop a missing requirement skips
/// the test; under <c>CI=true</c> it never skips, so the test runs and fails loudly instead.
/// </summary>
public static class Requirements
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static bool IsRoot => Environment.UserName == "root" || Mono.Unix.Native.Syscall.geteuid() == 0;

    /// <summary>Full path of <paramref name="tool"/> on PATH, or null.</summary>
    public static string? FindTool(string tool)
    {
        if (tool.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(tool) ? tool : null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Why the test must skip, or null when everything is present (or when running in CI).</summary>
    public static string? SkipReason(IEnumerable<string> tools, bool needsRoot)
    {
        if (InCi)
        {
            return null;
        }

        var missing = tools.Where(t => FindTool(t) is null).ToList();
        if (missing.Count > 0)
        {
            return $"missing tool(s): {string.Join(", ", missing)} (run packaging/setup)";
        }

        return needsRoot && !IsRoot ? "needs root" : null;
    }

    /// <summary>Fails the test (in CI, where skipping is not allowed) when a tool is missing; returns its path.</summary>
    public static string RequireTool(string tool)
        => FindTool(tool) ?? throw new InvalidOperationException($"required tool '{tool}' is not installed (packaging/setup installs it)");

    /// <summary>Runs a tool and fails the test with its stderr if it does not succeed.</summary>
    public static async Task<ProcessResult> RunToolAsync(string tool, IEnumerable<string> arguments, ProcessRunOptions? options = null)
    {
        var result = await ProcessRunner.RunAsync(RequireTool(tool), arguments, options ?? new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(2) });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({result.ExitCode}{(result.TimedOut ? ", timed out" : "")}): {result.StandardError}");
        }

        return result;
    }
}
