using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.DataPlane;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// A contributor's side of one step's averaging: each shard's gradient slice goes out as its
/// <see cref="GradientChunks"/>, all concurrently, and each chunk comes back as the updated values of its range.
/// Concurrent chunks pipeline what one large message does in series (serialize, send, receive, deserialize, average).
/// A chunk for a shard on another silo goes over that silo's gradient data plane (<see cref="DataPlaneClient"/>: raw
/// float bytes on a persistent connection, handed to the shard's activation there) when there is one; a chunk for a
/// shard on the contributor's own silo is a method call on its activation (a grain call when it is not found there, or
/// without a data plane), which passes the block by reference.
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
    /// chunks, every chunk as a grain call, and returns the updated chunks in <see cref="ChunkRanges"/> order once every
    /// shard answered every chunk.
    /// </summary>
    public static Task<FloatBlock[]> ReduceAsync(
        IReadOnlyList<IParameterShardGrain> shardGrains, IReadOnlyList<FloatBlock> gradient, long step, int epoch, int rank, int samples, bool nonFinite) =>
        ReduceAsync(null, shardGrains, gradient, step, epoch, rank, samples, nonFinite);

    /// <summary>
    /// Sends <paramref name="gradient"/> (one block per shard, in <paramref name="shardGrains"/> order) to the shards in
    /// chunks, over <paramref name="dataPlane"/> for shards on other silos when it is enabled, and returns the updated
    /// chunks in <see cref="ChunkRanges"/> order once every shard answered every chunk. Chunks that came over the data
    /// plane are read straight into <paramref name="answers"/> (one float per float of the whole vector, at the chunk's
    /// place) when the caller gives it, else into an array the next exchange over the same <paramref name="shardGrains"/>
    /// list overwrites, so the caller copies them out before then; either way the returned chunks are views of where
    /// they landed (a chunk of a shard on this silo: of the shard's own answer). A shard's error, a broken connection or
    /// a chunk without an answer within Orleans' response timeout fails the exchange with an exception naming the shard,
    /// as a failed grain call does.
    /// </summary>
    /// <exception cref="ArgumentException">The blocks do not match the shards, or <paramref name="answers"/> is not as long as all the blocks (thrown at once).</exception>
    public static Task<FloatBlock[]> ReduceAsync(
        DataPlaneClient? dataPlane,
        IReadOnlyList<IParameterShardGrain> shardGrains,
        IReadOnlyList<FloatBlock> gradient,
        long step,
        int epoch,
        int rank,
        int samples,
        bool nonFinite,
        CancellationToken cancellationToken = default,
        float[]? answers = null)
    {
        ArgumentNullException.ThrowIfNull(shardGrains);
        ArgumentNullException.ThrowIfNull(gradient);
        if (gradient.Count != shardGrains.Count)
            throw new ArgumentException($"GradientExchange: {gradient.Count} gradient blocks for {shardGrains.Count} shards", nameof(gradient));
        if (answers is not null && answers.Length != gradient.Sum(b => (long)b.Count))
            throw new ArgumentException($"GradientExchange: an answer array of {answers.Length} floats for blocks of {gradient.Sum(b => (long)b.Count)}", nameof(answers));
        // What every chunk of this contribution says besides its floats and offset.
        var header = new GradientContribution(step, epoch, rank, samples, FloatBlock.Empty, nonFinite);
        if (dataPlane is not { Enabled: true }) return Task.WhenAll(Send(shardGrains, gradient, header, null, null, null, cancellationToken));
        return ReduceOverDataPlaneAsync(dataPlane, shardGrains, gradient, header, answers, cancellationToken);
    }

    private static async Task<FloatBlock[]> ReduceOverDataPlaneAsync(
        DataPlaneClient dataPlane,
        IReadOnlyList<IParameterShardGrain> shardGrains,
        IReadOnlyList<FloatBlock> gradient,
        GradientContribution header,
        float[]? answers,
        CancellationToken cancellationToken)
    {
        var routes = await dataPlane.RoutesAsync(shardGrains, gradient.Select(b => b.Count).ToArray());
        return await Task.WhenAll(Send(shardGrains, gradient, header, dataPlane, routes, answers ?? routes?.Answers, cancellationToken));
    }

    private static Task<FloatBlock>[] Send(
        IReadOnlyList<IParameterShardGrain> shardGrains,
        IReadOnlyList<FloatBlock> gradient,
        GradientContribution header,
        DataPlaneClient? dataPlane,
        ShardRoutes? routes,
        float[]? answers,
        CancellationToken cancellationToken)
    {
        // Results stay in ChunkRanges order; the sends go in another: the data plane's chunks first, round-robin over
        // the shards, chunk 0 of every shard before chunk 1 of any (a socket write that completes at once runs on in
        // this thread, so in shard order one remote silo would get its whole slice before the next got its first chunk
        // to start on); then this silo's shards, by a method call on the activation when it is here (LocalShards), on
        // this thread. A grain call there would wake another thread, which on a silo with one core took the core before
        // this one had sent the other silos their chunks, while they waited (a 2-silo MLP timeline: up to ~0.5 ms).
        var first = new int[shardGrains.Count];
        int total = 0, most = 0;
        for (int s = 0; s < shardGrains.Count; s++)
        {
            first[s] = total;
            int chunks = GradientChunks.CountFor(gradient[s].Count);
            total += chunks;
            most = Math.Max(most, chunks);
        }

        var calls = new Task<FloatBlock>[total];
        // Every contributor starts with the shard after its own silo's (the next one round the ring), so that at each
        // moment the contributors send to different silos rather than all to shard 0's silo first while the last
        // shard's silo waits idle (a contributor with no local shard starts at its rank).
        int start = header.Rank;
        for (int s = 0; s < shardGrains.Count; s++)
            if (routes?.Endpoint(s) is null) start = s + 1;

        for (int c = 0; c < most; c++)
        {
            for (int i = 0; i < shardGrains.Count; i++)
            {
                int s = (start + i) % shardGrains.Count;
                if (routes?.Endpoint(s) is null || c >= GradientChunks.CountFor(gradient[s].Count)) continue;
                calls[first[s] + c] = dataPlane!.ReduceAsync(routes, s, Chunk(header, gradient[s], c), answers!, cancellationToken);
            }
        }

        for (int s = 0; s < shardGrains.Count; s++)
        {
            if (routes?.Endpoint(s) is not null) continue;
            var local = routes is null ? null : dataPlane?.LocalShard(routes.Key(s));
            for (int c = 0; c < GradientChunks.CountFor(gradient[s].Count); c++)
            {
                var chunk = Chunk(header, gradient[s], c);
                calls[first[s] + c] = local is null ? shardGrains[s].ReduceAsync(chunk) : dataPlane!.ReduceLocallyAsync(local, routes!.Key(s), chunk, cancellationToken);
            }
        }

        return calls;
    }

    // Chunk <paramref name="chunk"/> of <paramref name="block"/>, with the header's step, epoch, rank, samples and flag.
    private static GradientContribution Chunk(GradientContribution header, FloatBlock block, int chunk)
    {
        var (offset, count) = GradientChunks.Range(block.Count, chunk);
        return header with { Gradient = block.Slice(offset, count), Offset = offset };
    }
}
