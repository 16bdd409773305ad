using Xunit;

namespace Jumpstart.Tests.Support;

/// <summary>
/// A fact that reads a file or folder from the team's data folder (<c>&lt;repository root&gt;/../shared/data</c>,
/// never copied into the repository) and needs external tools. Skipped on a laptop without them;
/// under <c>CI=true</c> it runs regardless and fails when something is missing.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(string relativePath, params string[] tools)
    {
        Skip = Requirements.SkipReason(tools, needsRoot: false)
            ?? (Requirements.InCi || SharedData.Exists(relativePath) ? null : $"shared data {relativePath} is absent ({SharedData.Root})");
    }
}
