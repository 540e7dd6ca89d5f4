using Autograd.Cluster.Contracts.Buffers;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Contracts;

public sealed class GradientChunksTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(GradientChunks.Floats, 1)]
    [InlineData(GradientChunks.Floats + 1, 2)]
    [InlineData((3 * GradientChunks.Floats) - 1, 3)]
    public void CountFor_CoversTheSliceInWholeChunks(int count, int chunks) => Assert.Equal(chunks, GradientChunks.CountFor(count));

    [Fact]
    public void Range_ChunksCoverTheSliceInOrderWithoutGaps()
    {
        int count = (2 * GradientChunks.Floats) + 17;
        int next = 0;
        for (int c = 0; c < GradientChunks.CountFor(count); c++)
        {
            var (offset, length) = GradientChunks.Range(count, c);
            Assert.Equal(next, offset);
            next += length;
        }

        Assert.Equal(count, next);
        Assert.Equal((2 * GradientChunks.Floats, 17), GradientChunks.Range(count, 2));
    }

    [Fact]
    public void Range_ChunkPastTheEnd_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GradientChunks.Range(10, 1));
        Assert.Contains("chunk 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientChunks.CountFor(-1));
    }
}
