using Autograd.Cluster.Silo.DataPlane;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

public sealed class OwedAnswersTests
{
    [Fact]
    public void TrySend_ExpectedAnswer_StartsItsWriteWithTheValuesOnce()
    {
        var answers = new OwedAnswers();
        var written = new List<float[]>();
        using var owed = answers.Expect("job/0", step: 3, rank: 1, offset: 0, values =>
        {
            written.Add(values);
            return Task.CompletedTask;
        });
        float[] values = [1, 2, 3];

        Assert.True(answers.TrySend("job/0", 3, 1, 0, values));
        Assert.False(answers.TrySend("job/0", 3, 1, 0, values));

        Assert.Same(values, Assert.Single(written));
        Assert.Same(Task.CompletedTask, owed!.Sent);
        Assert.Equal(0, answers.Count);
    }

    [Theory]
    [InlineData("job/1", 3L, 1, 0)]
    [InlineData("job/0", 4L, 1, 0)]
    [InlineData("job/0", 3L, 0, 0)]
    [InlineData("job/0", 3L, 1, 524288)]
    public void TrySend_AnotherShardStepRankOrChunk_SendsNothing(string shard, long step, int rank, int offset)
    {
        var answers = new OwedAnswers();
        int writes = 0;
        using var owed = answers.Expect("job/0", step: 3, rank: 1, offset: 0, _ =>
        {
            writes++;
            return Task.CompletedTask;
        });

        Assert.False(answers.TrySend(shard, step, rank, offset, [1f]));

        Assert.Equal(0, writes);
        Assert.Null(owed!.Sent);
        Assert.Equal(1, answers.Count);
    }

    [Fact]
    public void Expect_SameChunkTwice_TheSecondIsNotRegistered()
    {
        var answers = new OwedAnswers();
        using var first = answers.Expect("job/0", 0, 1, 0, _ => Task.CompletedTask);

        using var second = answers.Expect("job/0", 0, 1, 0, _ => Task.CompletedTask);

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.True(answers.TrySend("job/0", 0, 1, 0, [1f]));
        Assert.NotNull(first.Sent);
    }

    [Fact]
    public void Dispose_BeforeTheShardAnswered_ForgetsTheAnswer()
    {
        var answers = new OwedAnswers();
        var owed = answers.Expect("job/0", 0, 1, 0, _ => throw new InvalidOperationException("must not be written"));

        owed!.Dispose();

        Assert.False(answers.TrySend("job/0", 0, 1, 0, [1f]));
        Assert.Equal(0, answers.Count);
    }

    [Fact]
    public async Task TrySend_WriteThrowsAtOnce_TheFailureIsTheSentTasks()
    {
        var answers = new OwedAnswers();
        using var owed = answers.Expect("job/0", 0, 1, 0, _ => throw new IOException("connection reset"));

        Assert.True(answers.TrySend("job/0", 0, 1, 0, [1f]));

        var e = await Assert.ThrowsAsync<IOException>(() => owed!.Sent!);
        Assert.Equal("connection reset", e.Message);
    }
}
