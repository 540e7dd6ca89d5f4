using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Training;

public sealed class GradientAveragerTests
{
    // Longer than two chunks and not a multiple of the vector width: every chunk boundary and the scalar tail run.
    private const int Length = (2 * GradientAverager.ChunkFloats) + 37;

    [Fact]
    public void WeightedMean_UnequalSamples_MatchesTheDoubleSumWithinFloatTolerance()
    {
        var random = new Random(5);
        long[] samples = [50, 3, 75];
        var grads = samples.Select(_ => Enumerable.Range(0, Length).Select(_ => (float)((random.NextDouble() * 20) - 10)).ToArray()).ToArray();
        var destination = new float[Length];

        long total = GradientAverager.WeightedMean(grads.Select(g => FloatBlock.From(g)).ToArray(), samples, destination);

        Assert.Equal(128, total);
        for (int i = 0; i < Length; i++)
        {
            double expected = 0;
            for (int r = 0; r < grads.Length; r++) expected += (double)samples[r] / total * grads[r][i];
            Assert.True(Math.Abs(destination[i] - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"element {i}: {destination[i]} vs {expected}");
        }
    }

    [Fact]
    public void WeightedMean_ZeroSampleRank_IsIgnoredEvenWhenItsValuesAreNotFinite()
    {
        var destination = new float[Length];
        var garbage = Enumerable.Repeat(float.NaN, Length).ToArray();
        var twos = Enumerable.Repeat(2f, Length).ToArray();
        var fours = Enumerable.Repeat(4f, Length).ToArray();

        long total = GradientAverager.WeightedMean([FloatBlock.From(garbage), FloatBlock.From(twos), FloatBlock.From(fours)], [0, 1, 3], destination);

        Assert.Equal(4, total);
        Assert.All(destination, v => Assert.Equal(3.5f, v));
    }

    [Fact]
    public void WeightedMean_NoSamples_WritesZeros()
    {
        var destination = Enumerable.Repeat(7f, 10).ToArray();

        long total = GradientAverager.WeightedMean([FloatBlock.From(new float[10]), FloatBlock.From(new float[10])], [0, 0], destination);

        Assert.Equal(0, total);
        Assert.All(destination, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void WeightedMean_BlockOfTheWrongLength_ThrowsNamingTheRank()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            GradientAverager.WeightedMean([FloatBlock.From(new float[4]), FloatBlock.From(new float[5])], [1, 1], new float[4]));

        Assert.Contains("rank 1 sent 5 values for a slice of 4", e.Message);
    }

    [Fact]
    public void WeightedMean_NegativeSamples_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => GradientAverager.WeightedMean([FloatBlock.From(new float[2])], [-1], new float[2]));

        Assert.Contains("rank 0 has -1 samples", e.Message);
    }

    [Fact]
    public void WeightedMean_MissingRank_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => GradientAverager.WeightedMean([Contribution(0, 1, [1f]), null], new float[1]));

        Assert.Contains("rank 1 has not contributed", e.Message);
    }

    [Fact]
    public void WeightedMean_ChunkByChunk_EqualsTheWholeSliceBitForBit()
    {
        var random = new Random(5);
        var grads = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, Length).Select(_ => random.NextSingle() - 0.5f).ToArray()).ToArray();
        long[] samples = [7, 1, 4];
        var expected = new float[Length];
        GradientAverager.WeightedMean(grads.Select((g, r) => (GradientContribution?)Contribution(r, (int)samples[r], g)).ToArray(), expected);

        // As a shard averages each chunk into that chunk's own gradient, in whatever order the chunks come.
        var chunked = new float[Length];
        long total = 0;
        foreach (int offset in (int[])[GradientAverager.ChunkFloats + 5, 0, 10])
        {
            int length = offset == 0 ? 10 : offset == 10 ? GradientAverager.ChunkFloats - 5 : Length - offset;
            total = GradientAverager.WeightedMean(
                grads.Select((g, r) => (GradientContribution?)Contribution(r, (int)samples[r], g.AsSpan(offset, length).ToArray())).ToArray(), chunked.AsSpan(offset, length));
        }

        Assert.Equal(12, total);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), chunked.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void WeightedMean_ContributionLongerThanTheDestination_ThrowsNamingBoth()
    {
        var e = Assert.Throws<ArgumentException>(() => GradientAverager.WeightedMean([Contribution(0, 1, [1f, 2f])], new float[1]));

        Assert.Contains("rank 0 sent 2 values for a slice of 1", e.Message);
    }

    private static GradientContribution Contribution(int rank, int samples, float[] values) =>
        new(0, 0, rank, samples, FloatBlock.From(values));
}
