using System.Numerics;
using Jumpstart.Hostd.Store;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Store.Fog;

/// <summary>The survivability guarantee, proven exhaustively for every supported server count.</summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class StoreLayoutTests
{
    public static TheoryData<int> ServerCounts()
    {
        var data = new TheoryData<int>();
        for (var s = StoreLimits.MinServers; s <= StoreLimits.MaxServers; s++)
        {
            data.Add(s);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ServerCounts))]
    public void Layout_EveryCombination_XorsTwoOrThreeBlocks(int servers)
    {
        var layout = StoreLayout.For(servers);
        Assert.All(layout.Slots, slot => Assert.InRange(slot.Weight, 2, 3));
        Assert.All(layout.Slots, slot => Assert.Equal(0, slot.Mask >> layout.DataBlocks));
        Assert.Contains(layout.Slots, slot => slot.Weight == 2);
        Assert.Contains(layout.Slots, slot => slot.Weight == 3);
    }

    [Theory]
    [MemberData(nameof(ServerCounts))]
    public void Layout_WhatOneServerHolds_NeverXorsToASingleBlock(int servers)
    {
        var layout = StoreLayout.For(servers);
        for (long stripe = 0; stripe < servers; stripe++)
        {
            for (var server = 0; server < servers; server++)
            {
                var held = layout.SlotsOn(server, stripe).Select(slot => layout.Slots[slot].Mask).ToList();
                Assert.NotEmpty(held);
                Assert.True(StripeDecoder.RevealsNoBlock(held), $"S={servers} stripe {stripe}: server {server} can derive a block");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ServerCounts))]
    public void Layout_LosingAnyOneServer_LeavesEveryStripeRebuildable(int servers)
    {
        var layout = StoreLayout.For(servers);
        for (long stripe = 0; stripe < servers; stripe++)
        {
            for (var lost = 0; lost < servers; lost++)
            {
                var left = Survivors(layout, stripe, slot => layout.Slots[slot].ServerOf(stripe, servers) != lost);
                Assert.True(StripeDecoder.Spans(left, layout.DataBlocks), $"S={servers} stripe {stripe}: losing server {lost} loses data");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ServerCounts))]
    public void Layout_AnySingleCorruptCombination_IsSurvivable(int servers)
    {
        var layout = StoreLayout.For(servers);
        for (var bad = 0; bad < layout.Slots.Count; bad++)
        {
            var left = Survivors(layout, 0, slot => slot != bad);
            Assert.True(StripeDecoder.Spans(left, layout.DataBlocks), $"S={servers}: a corrupt slot {bad} loses data");
        }
    }

    [Theory]
    [MemberData(nameof(ServerCounts))]
    public void Layout_LosingTwoServersOfAStripe_IsBeyondTheGuarantee(int servers)
    {
        // The guarantee is exact: every pair of servers holds combinations whose loss leaves the stripe short.
        var layout = StoreLayout.For(servers);
        for (var a = 0; a < servers; a++)
        {
            for (var b = a + 1; b < servers; b++)
            {
                var left = Survivors(layout, 0, slot => layout.Slots[slot].ServerOf(0, servers) != a && layout.Slots[slot].ServerOf(0, servers) != b);
                Assert.False(StripeDecoder.Spans(left, layout.DataBlocks), $"S={servers}: losing servers {a} and {b} still rebuilds");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ServerCounts))]
    public void Layout_PreferredReadSet_SpansAndSpreadsOverServers(int servers)
    {
        var layout = StoreLayout.For(servers);
        var reads = new int[servers];
        for (long stripe = 0; stripe < servers; stripe++)
        {
            var preferred = layout.PreferredSlots(stripe);
            Assert.True(StripeDecoder.Spans([.. preferred.Select(s => layout.Slots[s].Mask)], layout.DataBlocks));
            foreach (var slot in preferred)
            {
                reads[layout.Slots[slot].ServerOf(stripe, servers)]++;
            }

            for (var down = 0; down < servers; down++)
            {
                var avoiding = layout.PreferredSlots(stripe, new HashSet<int> { down });
                Assert.DoesNotContain(avoiding, slot => layout.Slots[slot].ServerOf(stripe, servers) == down);
                Assert.True(StripeDecoder.Spans([.. avoiding.Select(s => layout.Slots[s].Mask)], layout.DataBlocks));
            }
        }

        Assert.Single(reads.Distinct());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    public void Decoder_WithEverySingleServerLost_RebuildsTheExactBytes(int servers)
    {
        var layout = StoreLayout.For(servers);
        const int BlockSize = 64;
        var random = new Random(servers);
        var blocks = Enumerable.Range(0, layout.DataBlocks).Select(_ => { var b = new byte[BlockSize]; random.NextBytes(b); return b; }).ToArray();
        var combinations = layout.Slots.Select(slot =>
        {
            var c = new byte[BlockSize];
            BlockXor.Combine(c, slot.Mask, i => blocks[i]);
            return c;
        }).ToArray();
        for (var lost = 0; lost < servers; lost++)
        {
            var available = Enumerable.Range(0, layout.Slots.Count).Where(s => layout.Slots[s].ServerOf(0, servers) != lost).ToList();
            var recipes = StripeDecoder.Solve([.. available.Select(s => layout.Slots[s].Mask)], layout.DataBlocks);
            for (var i = 0; i < layout.DataBlocks; i++)
            {
                var rebuilt = new byte[BlockSize];
                for (var bit = 0; bit < available.Count; bit++)
                {
                    if ((recipes[i] >> bit & 1) != 0)
                    {
                        BlockXor.Into(rebuilt, combinations[available[bit]]);
                    }
                }

                Assert.Equal(blocks[i], rebuilt);
            }
        }
    }

    [Fact]
    public void For_FewerThanThreeOrMoreThanSixteenServers_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StoreLayout.For(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => StoreLayout.For(17));
    }

    [Fact]
    public void Decoder_WithTooFewCombinations_NamesOnlyTheBlocksItCannotRebuild()
    {
        // b0^b1 and b0^b1^b2 give b2 but neither b0 nor b1.
        var recipes = StripeDecoder.Solve([0b011, 0b111], 3);
        Assert.Equal(0u, recipes[0]);
        Assert.Equal(0u, recipes[1]);
        Assert.Equal(0b11u, recipes[2]);
        Assert.Equal(2, BitOperations.PopCount(recipes[2]));
    }

    private static List<int> Survivors(StoreLayout layout, long stripe, Func<int, bool> keep)
        => [.. Enumerable.Range(0, layout.Slots.Count).Where(keep).Select(slot => layout.Slots[slot].Mask)];
}
