using Xunit;

namespace Jumpstart.Tests.Support;

/// <summary>The <see cref="ToolFactAttribute"/> rules for theories.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools)
    {
        Tools = tools;
        Skip = Requirements.SkipReason(tools, needsRoot: false);
    }

    public IReadOnlyList<string> Tools { get; }

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
