using Xunit;

namespace Jumpstart.Tests.Images;

/// <summary>
/// Tests that compare wall-clock times with a model (planner predictions, latency under a controller) run alone,
/// after the parallel tests: on a two-core machine a neighbour's build would otherwise be in the measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimedRunsCollection
{
    public const string Name = "Image distribution timed runs";
}
