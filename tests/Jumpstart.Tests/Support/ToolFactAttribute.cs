using Xunit;

namespace Jumpstart.Tests.Support;

/// <summary>
/// A fact that needs external tools (and optionally root). Skipped on a laptop without them;
/// under <c>CI=true</c> it runs regardless and fails if something is missing.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        Tools = tools;
        Skip = Requirements.SkipReason(tools, needsRoot: false);
    }

    public IReadOnlyList<string> Tools { get; }

    /// <summary>Also require root (network namespaces, bridges).</summary>
    public bool NeedsRoot
    {
        get => field;
        set
        {
            field = value;
            Skip = Requirements.SkipReason(Tools, value);
        }
    }
}
