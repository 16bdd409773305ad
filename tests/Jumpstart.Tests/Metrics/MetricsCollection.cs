using Xunit;

namespace Jumpstart.Tests.Metrics;

/// <summary>
/// hostd's recording instruments are process-wide (static), so these tests run alone: while they measure a
/// difference, no other test's CMS registration or store put may add to it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics (process-wide instruments)";
}
