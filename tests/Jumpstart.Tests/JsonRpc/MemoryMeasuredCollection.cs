using Xunit;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>Tests that measure the process's heap run alone: other tests allocating in parallel would be counted too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasuredCollection
{
    public const string Name = "memory measured";
}
