using Xunit;

namespace Jumpstart.Tests.Support;

/// <summary>
/// Tests that boot the test guest under TCG run one class at a time, after the parallel tests: on two cores,
/// a guest booting beside four clones and other classes' guests was starved past its 4-minute boot bound (one
/// run stalled before the kernel printed anything, another panicked in the IO-APIC timer check).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GuestVmsCollection
{
    public const string Name = "Test-guest VMs under TCG";
}
