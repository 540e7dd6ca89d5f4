using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// A contributor's side of one step's averaging: each shard's gradient slice goes out as its
/// <see cref="GradientChunks"/>, all as concurrent calls, and each call answers with the updated values of its chunk.
/// Concurrent chunks pipeline what one large message does in series (serialize, send, receive, deserialize, average).
/// </summary>
public static class GradientExchange
{
    /// <summary>
    /// The chunks the slices of <paramref name="shards"/> are sent in, as ranges of the flat vector in order (what
    /// <see cref="FlatParameters.Load(Autograd.NN.Module, IReadOnlyList{FloatBlock}, IReadOnlyList{ShardRange})"/> takes).
    /// </summary>
    public static ShardRange[] ChunkRanges(IReadOnlyList<ShardRange> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var ranges = new List<ShardRange>();
        foreach (var shard in shards)
        {
            for (int c = 0; c < GradientChunks.CountFor(shard.Count); c++)
            {
                var (offset, count) = GradientChunks.Range(shard.Count, c);
                ranges.Add(new ShardRange(ranges.Count, shard.Offset + offset, count));
            }
        }

        return ranges.ToArray();
    }

    /// <summary>
    /// Sends <paramref name="gradient"/> (one block per shard, in <paramref name="shardGrains"/> order) to the shards in
    /// chunks and returns the updated chunks in <see cref="ChunkRanges"/> order once every shard answered every chunk.
    /// </summary>
    public static Task<FloatBlock[]> ReduceAsync(
        IReadOnlyList<IParameterShardGrain> shardGrains, IReadOnlyList<FloatBlock> gradient, long step, int epoch, int rank, int samples, bool nonFinite)
    {
        ArgumentNullException.ThrowIfNull(shardGrains);
        ArgumentNullException.ThrowIfNull(gradient);
        if (gradient.Count != shardGrains.Count)
            throw new ArgumentException($"GradientExchange: {gradient.Count} gradient blocks for {shardGrains.Count} shards", nameof(gradient));
        var calls = new List<Task<FloatBlock>>();
        for (int s = 0; s < shardGrains.Count; s++)
        {
            var block = gradient[s];
            for (int c = 0; c < GradientChunks.CountFor(block.Count); c++)
            {
                var (offset, count) = GradientChunks.Range(block.Count, c);
                calls.Add(shardGrains[s].ReduceAsync(new GradientContribution(step, epoch, rank, samples, block.Slice(offset, count), nonFinite, offset)));
            }
        }

        return Task.WhenAll(calls);
    }
}
