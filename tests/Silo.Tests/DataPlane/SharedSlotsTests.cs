using Autograd.Cluster.Silo.DataPlane;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

public sealed class SharedSlotsTests
{
    [Fact]
    public void TryRent_SeveralSizes_GivesDisjointSlotsOnCacheLines()
    {
        var slots = new SharedSlots(1000);

        Assert.True(slots.TryRent(10, out int a));
        Assert.True(slots.TryRent(100, out int b));
        Assert.True(slots.TryRent(1, out int c));

        Assert.Equal([0, 16, 128], [a, b, c]);
        Assert.All(new[] { a, b, c }, o => Assert.Equal(0, o % 16));
    }

    [Fact]
    public void TryRent_RegionFull_FailsUntilASlotOfThatSizeIsReturned()
    {
        var slots = new SharedSlots(64);
        Assert.True(slots.TryRent(32, out int first));
        Assert.True(slots.TryRent(32, out _));

        Assert.False(slots.TryRent(32, out int none));
        Assert.Equal(-1, none);
        Assert.False(slots.TryRent(1, out _));

        slots.Return(first, 32);
        Assert.True(slots.TryRent(32, out int again));
        Assert.Equal(first, again);
    }

    [Fact]
    public void TryRent_AfterReturns_ReusesSlotsOfTheSameSizeInsteadOfCuttingNewOnes()
    {
        var slots = new SharedSlots(1 << 20);
        var step = new[] { 500, 500, 7 }.Select(n => (Count: n, Offset: slots.TryRent(n, out int o) ? o : -1)).ToArray();
        foreach (var (count, offset) in step) slots.Return(offset, count);

        var next = new[] { 7, 500, 500 }.Select(n => slots.TryRent(n, out int o) ? o : -1).ToArray();

        Assert.Equal(step.Select(s => s.Offset).Order(), next.Order());
    }

    [Fact]
    public void TryRent_NonPositiveCount_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SharedSlots(10).TryRent(0, out _));
    }
}
