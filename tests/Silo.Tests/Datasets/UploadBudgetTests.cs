using Autograd.Cluster.Silo.Datasets;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Datasets;

public sealed class UploadBudgetTests
{
    [Fact]
    public void TryReserve_UpToTheCapacity_ThenRefusesUntilReleased()
    {
        var budget = new UploadBudget(100);

        Assert.True(budget.TryReserve(60));
        Assert.True(budget.TryReserve(40));
        Assert.False(budget.TryReserve(1));
        Assert.Equal(100, budget.Used);
        budget.Release(60);
        Assert.True(budget.TryReserve(50));
        Assert.Equal(90, budget.Used);
    }

    [Fact]
    public async Task TryReserve_Concurrently_NeverOvercommits()
    {
        var budget = new UploadBudget(1000);

        var granted = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => budget.TryReserve(30))));

        Assert.Equal(33, granted.Count(g => g));
        Assert.Equal(990, budget.Used);
    }
}
