using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.DataPlane;

namespace Autograd.Cluster.Silo.Tests.DataPlane;

/// <summary>
/// A shard that answers every chunk as <paramref name="reply"/> does and records what it was sent: registered in a
/// silo's <see cref="LocalShards"/>, it shows whether a chunk reached it without a grain call.
/// </summary>
internal sealed class StandInShard(Func<GradientContribution, Task<FloatBlock>> reply) : IParameterShardGrain
{
    /// <summary>Answers every chunk with what <paramref name="answer"/> makes of it.</summary>
    public StandInShard(Func<GradientContribution, float[]> answer)
        : this(c => Task.FromResult(FloatBlock.From(answer(c))))
    {
    }

    /// <summary>Answers every chunk with <paramref name="answer"/>.</summary>
    public StandInShard(float[] answer)
        : this(_ => answer)
    {
    }

    public List<GradientContribution> Received { get; } = [];

    public Task<FloatBlock> ReduceAsync(GradientContribution contribution)
    {
        lock (Received) Received.Add(contribution with { Gradient = FloatBlock.From(contribution.Gradient.ToArray()) });
        return reply(contribution);
    }

    public Task InitializeAsync(ShardSetup setup) => throw new NotSupportedException();

    public Task<FloatBlock> GetParametersAsync() => throw new NotSupportedException();

    public Task<ShardInfo> GetInfoAsync() => throw new NotSupportedException();

    public Task CheckpointAsync(long step) => throw new NotSupportedException();

    public Task AbortAsync(string reason) => throw new NotSupportedException();

    public Task ReleaseAsync() => throw new NotSupportedException();
}
