using System.Reflection;
using System.Text.RegularExpressions;
using Jumpstart.Hostd.Vm;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

/// <summary>
/// The VM capability's layers depend one way: QMP &lt; supervisor &lt; bundles &lt; templates &lt; clones &lt;
/// deploy &lt; the capability's root (VmHost, VmServices, VmOptions). A lower layer's source never names a
/// type of a higher one, nor its namespace. Type names come from the hostd assembly by reflection; the
/// source scan also sees references inside method bodies, which reflection over signatures would miss.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed partial class VmLayeringTests
{
    /// <summary>Lowest first: folder under the repository and the namespace its files declare.</summary>
    private static readonly (string Folder, string Namespace)[] s_layers =
    [
        ("hostd/Qmp", "Jumpstart.Hostd.Qmp"),
        ("hostd/Vm/Supervisor", "Jumpstart.Hostd.Vm.Supervisor"),
        ("hostd/Vm/Bundles", "Jumpstart.Hostd.Vm.Bundles"),
        ("hostd/Vm/Templates", "Jumpstart.Hostd.Vm.Templates"),
        ("hostd/Vm/Clones", "Jumpstart.Hostd.Vm.Clones"),
        ("hostd/Vm/Deploy", "Jumpstart.Hostd.Vm.Deploy"),
        ("hostd/Vm", "Jumpstart.Hostd.Vm"),
    ];

    [Fact]
    public void EveryLayer_NamesNoTypeOrNamespaceOfAHigherLayer()
    {
        var violations = new List<string>();
        for (var low = 0; low < s_layers.Length - 1; low++)
        {
            var higher = s_layers[(low + 1)..];
            foreach (var file in SourceFiles(s_layers[low].Folder))
            {
                violations.AddRange(Violations(File.ReadAllText(file), higher).Select(v => $"{Path.GetRelativePath(BuiltPrograms.RepositoryRoot, file)}: {v}"));
            }
        }

        Assert.Empty(violations);
    }

    [Fact]
    public void EveryFile_DeclaresTheNamespaceOfItsFolder()
    {
        var wrong = s_layers
            .SelectMany(layer => SourceFiles(layer.Folder).Select(file => (file, layer.Namespace)))
            .Where(f => !File.ReadAllText(f.file).Contains($"namespace {f.Namespace};", StringComparison.Ordinal))
            .Select(f => $"{Path.GetRelativePath(BuiltPrograms.RepositoryRoot, f.file)} is not in {f.Namespace}")
            .ToList();

        Assert.Empty(wrong);
    }

    [Fact]
    public void TheScan_SeesAReferenceInAMethodBody_AndIgnoresCommentsAndStrings()
    {
        var higher = s_layers[2..];

        var found = Violations("class A { void M() { var x = new BundleStore(\"d\"); } }", higher);
        var quiet = Violations("// a BundleStore\n/// <see cref=\"X\"/> BundleStore\nclass A { string s = \"BundleStore\"; }", higher);

        Assert.Equal(["BundleStore"], found);
        Assert.Empty(quiet);
    }

    /// <summary>Files of the folder itself (the root layer's subfolders are the other layers).</summary>
    private static string[] SourceFiles(string folder)
    {
        var files = Directory.GetFiles(Path.Combine(BuiltPrograms.RepositoryRoot, folder), "*.cs", SearchOption.TopDirectoryOnly);
        Assert.NotEmpty(files);
        return files;
    }

    private static IEnumerable<string> Violations(string source, IEnumerable<(string Folder, string Namespace)> higher)
    {
        var code = Code(source);
        var words = new HashSet<string>(Word().Matches(code).Select(m => m.Value), StringComparer.Ordinal);
        foreach (var (_, ns) in higher)
        {
            if (code.Contains($"using {ns};", StringComparison.Ordinal) || code.Contains($"{ns}.", StringComparison.Ordinal) && ns != "Jumpstart.Hostd.Vm")
            {
                yield return $"namespace {ns}";
            }

            foreach (var type in TypesOf(ns).Where(words.Contains))
            {
                yield return type;
            }
        }
    }

    /// <summary>Top-level type names declared in <paramref name="ns"/> (exactly) in the hostd assembly.</summary>
    private static IEnumerable<string> TypesOf(string ns) => typeof(VmHost).Assembly.GetTypes()
        .Where(t => t.Namespace == ns && !t.IsNested && !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)) && !t.Name.Contains('<', StringComparison.Ordinal))
        .Select(t => t.Name.Split('`')[0])
        .Distinct(StringComparer.Ordinal);

    /// <summary>The source without comments and string literals.</summary>
    private static string Code(string source) => Literal().Replace(LineComment().Replace(BlockComment().Replace(source, " "), " "), "\"\"");

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"@?\$?""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex Literal();

    [GeneratedRegex(@"\b[A-Za-z_][A-Za-z0-9_]*\b")]
    private static partial Regex Word();
}
