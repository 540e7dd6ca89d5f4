using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.DataPlane;
using Autograd.Cluster.Silo.Tests.Support;
using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

/// <summary>A shard fed in <see cref="GradientChunks"/> through real grain calls from the test cluster's client.</summary>
public sealed class ParameterShardGrainTests(ClusterFixture cluster)
{
    /// <summary>Two and a half chunks: a slice that goes out as three concurrent calls per rank.</summary>
    private const int Count = (2 * GradientChunks.Floats) + (GradientChunks.Floats / 2);

    [Fact]
    public async Task ReduceAsync_SliceOfSeveralChunks_AppliesTheWholeSlicesWeightedMeanToEveryChunk()
    {
        var shard = await NewShardAsync(world: 2);
        try
        {
            var grads = new[] { Values(seed: 1), Values(seed: 2) };
            int[] samples = [1, 3];
            var expected = new float[Count];
            GradientAverager.WeightedMean([FloatBlock.From(grads[0]), FloatBlock.From(grads[1])], [1, 3], expected);

            var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(r =>
                GradientExchange.ReduceAsync([shard], [FloatBlock.Wrap(grads[r])], 0, 0, r, samples[r], false)));

            var ranges = GradientExchange.ChunkRanges([new ShardRange(0, 0, Count)]);
            Assert.Equal(3, ranges.Length);
            foreach (var chunks in answers)
            {
                var assembled = new float[Count];
                for (int c = 0; c < chunks.Length; c++) chunks[c].CopyTo(assembled.AsSpan((int)ranges[c].Offset, ranges[c].Count));
                // SGD with lr = 1 from zeros: the parameters are minus the averaged gradient, bit for bit.
                Assert.Equal(expected.Select(v => BitConverter.SingleToInt32Bits(-v)), assembled.Select(BitConverter.SingleToInt32Bits));
            }

            Assert.Equal(answers[0].SelectMany(b => b.ToArray()), (await shard.GetParametersAsync()).ToArray());
            Assert.Equal(1, (await shard.GetInfoAsync()).StepsApplied);
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task ReduceAsync_ChunkOffTheChunkGrid_ThrowsNamingTheOffset()
    {
        var shard = await NewShardAsync(world: 1);
        try
        {
            var e = await Assert.ThrowsAsync<ArgumentException>(() =>
                shard.ReduceAsync(new GradientContribution(0, 0, 0, 1, FloatBlock.From(new float[10]), Offset: 5)));

            Assert.Contains("offset 5", e.Message);
            Assert.Contains($"chunks of {GradientChunks.Floats}", e.Message);
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task ReduceAsync_SameChunkTwice_ThrowsNamingTheRankAndOffset()
    {
        var shard = await NewShardAsync(world: 2);
        try
        {
            var chunk = FloatBlock.From(new float[GradientChunks.Floats]);
            // Grain calls may arrive in either order: whichever comes second is refused, the other waits for rank 0.
            var calls = Enumerable.Range(0, 2)
                .Select(_ => shard.ReduceAsync(new GradientContribution(0, 0, 1, 1, chunk, Offset: GradientChunks.Floats)))
                .ToArray();

            var refused = await Task.WhenAny(calls).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => refused);

            Assert.Contains($"rank 1 sent step 0 (offset {GradientChunks.Floats}) twice", e.Message);
            Assert.False(calls.Single(c => c != refused).IsCompleted);
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task ReduceAsync_ChunkEveryRankSent_IsAnsweredWhileTheOtherChunksAreStillToCome()
    {
        var shard = await NewShardAsync(world: 2);
        try
        {
            var grads = new[] { Values(seed: 3), Values(seed: 4) };
            Task<FloatBlock> Send(int rank, int chunk)
            {
                var (offset, count) = GradientChunks.Range(Count, chunk);
                return shard.ReduceAsync(new GradientContribution(0, 0, rank, 1, FloatBlock.Wrap(grads[rank], offset, count), Offset: offset));
            }

            // Chunk 1 only, from both ranks: answered at once, though chunks 0 and 2 have not been sent.
            var first = await Task.WhenAll(Send(0, 1), Send(1, 1)).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
            var (offset1, count1) = GradientChunks.Range(Count, 1);
            var expected = new float[count1];
            GradientAverager.WeightedMean([FloatBlock.Wrap(grads[0], offset1, count1), FloatBlock.Wrap(grads[1], offset1, count1)], [1, 1], expected);
            foreach (var answer in first)
                Assert.Equal(expected.Select(v => BitConverter.SingleToInt32Bits(-v)), answer.ToArray().Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(0, (await shard.GetInfoAsync()).StepsApplied);

            // A chunk already applied this step is refused as sent twice; the step still completes with the others.
            var again = await Assert.ThrowsAsync<InvalidOperationException>(() => Send(0, 1));
            Assert.Contains($"rank 0 sent step 0 (offset {offset1}) twice", again.Message);
            await Task.WhenAll(Send(0, 0), Send(1, 0), Send(0, 2), Send(1, 2)).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
            Assert.Equal(1, (await shard.GetInfoAsync()).StepsApplied);
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task ReduceAsync_RanksByGrainCallsAndByDirectCallsAtOnce_EveryStepAppliesTheWeightedMean()
    {
        const int World = 4, Steps = 4;
        var shard = await NewShardAsync(world: World);
        try
        {
            // The activation, as a data-plane connection calls it (on its own thread, beside the grain's turns).
            var direct = DataPlane.DataPlaneSilos.Service<DataPlaneServer>(cluster, (await shard.GetInfoAsync()).Silo).Shards.Find(shard.GetPrimaryKeyString());
            Assert.NotNull(direct);
            var expected = new float[Count];
            var mean = new float[Count];
            for (int step = 0; step < Steps; step++)
            {
                var grads = Enumerable.Range(0, World).Select(r => Values(seed: (10 * step) + r)).ToArray();
                int[] samples = [1, 2, 3, 4];
                GradientAverager.WeightedMean(grads.Select(g => FloatBlock.Wrap(g)).ToArray(), [.. samples.Select(s => (long)s)], mean);
                for (int i = 0; i < Count; i++) expected[i] -= mean[i];

                int current = step;
                var answers = await Task.WhenAll(Enumerable.Range(0, World).Select(r => r % 2 == 0
                        ? GradientExchange.ReduceAsync([shard], [FloatBlock.Wrap(grads[r])], current, 0, r, samples[r], false)
                        : Task.Run(() => GradientExchange.ReduceAsync([direct], [FloatBlock.Wrap(grads[r])], current, 0, r, samples[r], false))))
                    .WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

                // SGD with lr = 1: every rank, however it came, gets the parameters minus the mean so far, bit for bit.
                foreach (var chunks in answers)
                    Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), chunks.SelectMany(c => c.ToArray()).Select(BitConverter.SingleToInt32Bits));
            }

            Assert.Equal(Steps, (await shard.GetInfoAsync()).StepsApplied);
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task ReduceAsync_ChunkADataPlaneConnectionOwesAnswer_IsWrittenByTheShardWithTheUpdatedValues()
    {
        var shard = await NewShardAsync(world: 2);
        try
        {
            // What a data-plane connection of the shard's silo registers for rank 1's chunk 2 (the half chunk).
            var answers = DataPlane.DataPlaneSilos.Service<DataPlaneServer>(cluster, (await shard.GetInfoAsync()).Silo).Answers;
            var (offset, count) = GradientChunks.Range(Count, 2);
            var written = new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var owed = answers.Expect(shard.GetPrimaryKeyString(), step: 0, rank: 1, offset, values =>
            {
                written.SetResult(values.ToArray());
                return Task.CompletedTask;
            });
            var grads = new[] { Values(seed: 5), Values(seed: 6) };

            var replies = await Task.WhenAll(Enumerable.Range(0, 2).Select(r =>
                    shard.ReduceAsync(new GradientContribution(0, 0, r, 1, FloatBlock.Wrap(grads[r], offset, count), Offset: offset))))
                .WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

            // Written when the chunk was applied, with the values every rank's reply carries; rank 0 (owed nothing) has its reply only.
            Assert.True(written.Task.IsCompleted);
            Assert.Equal(replies[1].ToArray(), await written.Task);
            Assert.Equal(replies[0].ToArray(), replies[1].ToArray());
            Assert.NotNull(owed!.Sent);
            Assert.Equal(0, answers.Count);
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    [Fact]
    public async Task ReduceAsync_RankChangesItsSamplesAfterAChunkWasApplied_ThrowsNamingBothCounts()
    {
        var shard = await NewShardAsync(world: 2);
        try
        {
            FloatBlock Chunk(int chunk) => FloatBlock.From(new float[GradientChunks.Range(Count, chunk).Count]);
            await Task.WhenAll(
                shard.ReduceAsync(new GradientContribution(0, 0, 0, 1, Chunk(0), Offset: 0)),
                shard.ReduceAsync(new GradientContribution(0, 0, 1, 1, Chunk(0), Offset: 0))).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

            var e = await Assert.ThrowsAsync<ArgumentException>(() =>
                shard.ReduceAsync(new GradientContribution(0, 0, 0, 2, Chunk(1), Offset: GradientChunks.Floats)));

            Assert.Contains("rank 0 sent 1 and 2 samples for step 0", e.Message);
        }
        finally
        {
            await shard.ReleaseAsync();
        }
    }

    private async Task<IParameterShardGrain> NewShardAsync(int world)
    {
        string jobId = JobRunner.NewJobId();
        var shard = cluster.Grains.GetGrain<IParameterShardGrain>(GrainKeys.Member(jobId, 0));
        await shard.InitializeAsync(new ShardSetup
        {
            JobId = jobId,
            Range = new ShardRange(0, 0, Count),
            WorldSize = world,
            Optimizer = new() { Kind = "sgd", Lr = 1.0 },
            InitialValues = FloatBlock.From(new float[Count]),
        });
        return shard;
    }

    private static float[] Values(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Count).Select(_ => random.NextSingle() - 0.5f).ToArray();
    }
}
