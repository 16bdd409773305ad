using Xunit.Abstractions;
using Xunit.Sdk;

namespace Jumpstart.Tests.Support;

/// <summary>
/// Runs a class's tests in the order of their method names, for classes whose tests share one expensive fixture and
/// build on what an earlier one left (e.g. which hosts already hold a bundle).
/// </summary>
public sealed class ByNameOrderer : ITestCaseOrderer
{
    public const string TypeName = "Jumpstart.Tests.Support.ByNameOrderer";

    public const string AssemblyName = "Jumpstart.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase
        => testCases.OrderBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);
}
