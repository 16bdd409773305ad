using System.Globalization;
using Jumpstart.Shared.Sockets;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Sockets;

/// <summary>The process's descriptor budget for connections, each listener's share of it, and the log throttle.</summary>
[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
[Trait(Capabilities.Trait, Capabilities.Nbd)]
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class ConnectionBudgetTests
{
    [Theory]
    [InlineData(256, 115, 45)]           // prlimit --nofile=256: what the CMS gets after start-up
    [InlineData(1024, 150, 1024 - 150 - 128)]
    [InlineData(65536, 200, 65536 - 200 - 8192)] // the unit's LimitNOFILE
    [InlineData(100, 90, 0)]             // no room at all: every connection is refused
    public void For_KeepsTheOpenDescriptorsAndAReserveBack(int softLimit, int open, int capacity)
        => Assert.Equal(capacity, ConnectionBudget.For(softLimit, open).Capacity);

    [Fact]
    public void DescriptorLimit_IsTheSoftLimitTheKernelReports()
    {
        var line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];

        Assert.Equal(soft == "unlimited" ? int.MaxValue : int.Parse(soft, CultureInfo.InvariantCulture), DescriptorLimit.Soft());
        Assert.InRange(DescriptorLimit.Open(), 3, DescriptorLimit.Soft());
        Assert.True(ConnectionBudget.Process.Capacity < DescriptorLimit.Soft() - ConnectionBudget.MinReserve);
    }

    [Fact]
    public void Limiter_AdmitsUpToItsCap_AndOnlyWhileTheSharedBudgetLasts()
    {
        var budget = new ConnectionBudget(3);
        var small = new ConnectionLimiter(2, budget);
        var large = new ConnectionLimiter(5, budget);
        Assert.Equal(3, large.Cap);

        Assert.True(small.TryAdmit(out _));
        Assert.True(small.TryAdmit(out _));
        Assert.False(small.TryAdmit(out var full));
        Assert.Contains("2 connections are open (the cap)", full, StringComparison.Ordinal);

        Assert.True(large.TryAdmit(out _));
        Assert.False(large.TryAdmit(out var spent));
        Assert.Contains("no descriptor to spare", spent, StringComparison.Ordinal);
        Assert.Equal((2, 1, 3), (small.Count, large.Count, budget.InUse));

        small.Release();
        Assert.True(large.TryAdmit(out _));
        Assert.Equal((1, 2, 3), (small.Count, large.Count, budget.InUse));
    }

    [Fact]
    public void AnAdministrativeListener_GetsInWhenTheOthersHaveSpentTheirPart()
    {
        var budget = new ConnectionBudget(40);
        Assert.Equal(10, budget.AdministrativeReserve);
        Assert.Equal(ConnectionBudget.MaxAdministrativeReserve, new ConnectionBudget(1000).AdministrativeReserve);
        var flooded = new ConnectionLimiter(1000, budget);
        var control = new ConnectionLimiter(8, budget, administrative: true);
        Assert.Equal((30, 8), (flooded.Cap, control.Cap));

        while (flooded.TryAdmit(out _))
        {
        }

        Assert.Equal(30, budget.InUse);
        Assert.True(control.TryAdmit(out _));
        Assert.Equal(31, budget.InUse);
    }

    [Fact]
    public void LogThrottle_LetsTheFirstThrough_AndCountsThoseHeldBack()
    {
        var hourly = new LogThrottle(TimeSpan.FromHours(1));
        Assert.True(hourly.TryEnter(out var none));
        Assert.Equal(0, none);
        Assert.False(hourly.TryEnter(out _));
        Assert.False(hourly.TryEnter(out _));

        var always = new LogThrottle(TimeSpan.Zero);
        Assert.True(always.TryEnter(out _));
        Assert.True(always.TryEnter(out var heldBack));
        Assert.Equal(0, heldBack);
    }
}
