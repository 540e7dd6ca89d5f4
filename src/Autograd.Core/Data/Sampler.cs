namespace Autograd.Data;

/// <summary>The order in which a <see cref="DataLoader"/> visits sample indices, one epoch at a time.</summary>
public abstract class Sampler
{
    /// <summary>The indices of one epoch; a shuffling sampler draws a new order each time it is asked.</summary>
    public abstract IReadOnlyList<int> EpochIndices();
}

/// <summary>0, 1, ..., n-1 every epoch (torch's SequentialSampler).</summary>
public sealed class SequentialSampler(int count) : Sampler
{
    public override IReadOnlyList<int> EpochIndices() => Enumerable.Range(0, count).ToArray();
}

/// <summary>A fresh permutation from the generator every epoch (torch's RandomSampler), so a seed fixes the run.</summary>
public sealed class RandomSampler(int count, Generator? generator = null) : Sampler
{
    private readonly Generator _generator = generator ?? Generator.Default;

    public override IReadOnlyList<int> EpochIndices() => _generator.Permutation(count);
}

/// <summary>
/// PyTorch's DistributedSampler rule: every replica draws the same permutation (seed + epoch), pads it by
/// wrapping around to a multiple of the replica count (or drops the tail), and takes every
/// <c>numReplicas</c>-th index starting at its rank. The replicas' shards are disjoint and together cover the epoch.
/// </summary>
public sealed class DistributedSampler : Sampler
{
    private readonly int _count;

    public DistributedSampler(int count, int numReplicas, int rank, bool shuffle = true, long seed = 0, bool dropLast = false)
    {
        if (numReplicas <= 0) throw new ArgumentOutOfRangeException(nameof(numReplicas), numReplicas, "DistributedSampler: numReplicas must be positive");
        if (rank < 0 || rank >= numReplicas)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"DistributedSampler: invalid rank {rank}, rank should be in the interval [0, {numReplicas - 1}]");
        _count = count;
        NumReplicas = numReplicas;
        Rank = rank;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        SamplesPerReplica = dropLast && count % numReplicas != 0
            ? (int)Math.Ceiling((count - numReplicas) / (double)numReplicas)
            : (int)Math.Ceiling(count / (double)numReplicas);
    }

    public int NumReplicas { get; }

    public int Rank { get; }

    public bool Shuffle { get; }

    public long Seed { get; }

    public bool DropLast { get; }

    /// <summary>Indices each replica gets per epoch.</summary>
    public int SamplesPerReplica { get; }

    /// <summary>The epoch whose permutation <see cref="EpochIndices"/> returns (torch's set_epoch).</summary>
    public int Epoch { get; set; }

    public override IReadOnlyList<int> EpochIndices()
    {
        int[] order = Shuffle ? new Generator(Seed + Epoch).Permutation(_count) : Enumerable.Range(0, _count).ToArray();
        int total = SamplesPerReplica * NumReplicas;
        var padded = new int[total];
        for (int i = 0; i < total; i++) padded[i] = order[i % Math.Max(order.Length, 1)];
        var mine = new int[SamplesPerReplica];
        for (int i = 0; i < SamplesPerReplica; i++) mine[i] = padded[Rank + (i * NumReplicas)];
        return mine;
    }
}
