using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Training;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>A worker's live state for one job: its model replica, data, loss, shards and where it is in the steps.</summary>
internal sealed class WorkerState(WorkerSetup setup, TrainingData data, Sequential model, LossFunction loss, Device device, IParameterShardGrain[] shards)
{
    private int _orderEpoch = -1;
    private int[] _order = [];

    public WorkerSetup Setup { get; } = setup;

    public TrainingData Data { get; } = data;

    public Sequential Model { get; } = model;

    public LossFunction Loss { get; } = loss;

    public Device Device { get; } = device;

    /// <summary>The shard grains, index-aligned with <see cref="WorkerSetup.Shards"/>.</summary>
    public IParameterShardGrain[] Shards { get; } = shards;

    /// <summary>The chunks the shards answer each step in, as ranges of the flat vector (<see cref="GradientExchange"/>).</summary>
    public ShardRange[] ChunkRanges { get; } = GradientExchange.ChunkRanges(setup.Shards);

    public long ParameterCount { get; } = FlatParameters.ParameterCount(model);

    /// <summary>The per-shard gradient arrays, reused once every shard has answered a step.</summary>
    public GradientBuffers Gradients { get; } = new(setup.Shards);

    /// <summary>Cancelled by <c>AbortAsync</c> (or a new setup): ends the wait for the shards' answers.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>The test split, loaded at the first evaluation (<see cref="TestSplit.None"/> when the dataset has none).</summary>
    public TestSplit? Test { get; set; }

    /// <summary>The step this worker expects next (the one in progress while a step runs).</summary>
    public long NextStep { get; set; }

    /// <summary>The batches of one epoch, the most a run can cover.</summary>
    public int StepsPerEpoch { get; } = BatchPartition.StepsPerEpoch(data.Count, setup.Spec.BatchSize, setup.Spec.DropLast);

    /// <summary>
    /// The last step this worker may run in this formation, whatever run asks for more: its own non-finite step when
    /// the job stops at one, or what the coordinator asked (<c>StopRunAsync</c>). It holds for runs queued behind the
    /// one in progress too, which would otherwise start after it.
    /// </summary>
    public long StopAfter { get; set; } = long.MaxValue;

    /// <summary>The run in progress; null between runs.</summary>
    public WorkerRun? Run { get; set; }

    /// <summary>
    /// A step abandoned while the shards held this worker's part of it (<see cref="WorkerRun.StopAfter"/>): the worker
    /// and the shards no longer agree, so it runs nothing more until it is set up again.
    /// </summary>
    public long? AbandonedStep { get; set; }

    /// <summary>The epoch's sample order, computed once per epoch.</summary>
    public int[] OrderFor(int epoch)
    {
        if (epoch != _orderEpoch)
        {
            _order = BatchPartition.EpochOrder(Data.Count, Setup.Spec.Shuffle, Setup.Spec.Seed, epoch);
            _orderEpoch = epoch;
        }

        return _order;
    }
}
