using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Contracts.Messages;

/// <summary>A shard's slice of the initial parameters, the optimizer to apply to it and how many workers contribute each step.</summary>
[GenerateSerializer, Alias("Autograd.Cluster.ShardSetup")]
public sealed record ShardSetup
{
    [Id(0)]
    public string JobId { get; init; } = string.Empty;

    [Id(1)]
    public ShardRange Range { get; init; } = new(0, 0, 0);

    [Id(2)]
    public int WorldSize { get; init; }

    [Id(3)]
    public OptimizerSpec Optimizer { get; init; } = new();

    [Id(4)]
    public LrScheduleSpec? LrSchedule { get; init; }

    [Id(5)]
    public FloatBlock InitialValues { get; init; } = FloatBlock.Empty;
}
