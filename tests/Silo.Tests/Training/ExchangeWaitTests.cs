using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Training;

public sealed class ExchangeWaitTests
{
    [Fact]
    public void Poll_ExchangeCompletesWithinTheBudget_ReturnsWithItCompleted()
    {
        var answers = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var completer = new Timer(_ => answers.SetResult(), null, 20, Timeout.Infinite);

        // A budget far beyond the answer: the poll can only end by seeing it.
        ExchangeWait.Poll(answers.Task, TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);

        Assert.True(answers.Task.IsCompleted);
    }

    [Fact]
    public void Poll_BudgetRunsOut_ReturnsWithTheExchangeStillPending()
    {
        var never = new TaskCompletionSource();

        ExchangeWait.Poll(never.Task, TimeSpan.FromMilliseconds(5), TestContext.Current.CancellationToken);

        Assert.False(never.Task.IsCompleted);
    }

    [Fact]
    public void Poll_Cancelled_ReturnsWithTheExchangeStillPending()
    {
        var never = new TaskCompletionSource();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        ExchangeWait.Poll(never.Task, TimeSpan.FromMinutes(5), cancelled.Token);

        Assert.False(never.Task.IsCompleted);
    }

    [Fact]
    public void Poll_ZeroBudget_ReturnsAtOnce()
    {
        var never = new TaskCompletionSource();

        ExchangeWait.Poll(never.Task, TimeSpan.Zero, TestContext.Current.CancellationToken);

        Assert.False(never.Task.IsCompleted);
    }

    [Theory]
    [InlineData(0, 4, 4, true)]
    [InlineData(3, 4, 2, true)]
    [InlineData(1, 4, 4, false)]
    [InlineData(5, 2, 2, false)]
    public void MayKeepPolling_QueuedWork_OnlyWhileAnIdleThreadCanTakeIt(long queued, int threads, int running, bool expected)
    {
        // Every pool thread polling while the answers wait in the queue behind them would run nothing until the budgets
        // ran out (several workers in one process).
        Assert.Equal(expected, ExchangeWait.MayKeepPolling(queued, threads, running));
    }
}
