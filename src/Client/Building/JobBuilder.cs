using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Client.Building;

/// <summary>
/// Builds a <see cref="JobSpec"/> the way a PyTorch training script reads:
/// <code>
/// var job = new JobBuilder()
///     .Model(Nn.Flatten(), Nn.Linear(784, 256), Nn.ReLU(), Nn.Linear(256, 10))
///     .Data(Datasets.FashionMnist())
///     .Loss(Nn.CrossEntropyLoss())
///     .Optimizer(Optimizers.Adam(lr: 1e-3))
///     .BatchSize(128).Epochs(5).Workers(2).Seed(0)
///     .Build();
/// </code>
/// Unset parts keep <see cref="JobSpec"/>'s defaults. The cluster checks the whole spec at submit.
/// </summary>
public sealed class JobBuilder
{
    private JobSpec _spec;

    /// <summary>Starts from <see cref="JobSpec"/>'s defaults.</summary>
    public JobBuilder()
        : this(new JobSpec())
    {
    }

    /// <summary>Starts from <paramref name="spec"/> (a job file, say) to change some of it.</summary>
    public JobBuilder(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _spec = spec;
    }

    /// <summary>The network as <c>nn.Sequential(layers...)</c>.</summary>
    public JobBuilder Model(params LayerSpec[] layers) => With(_spec with { Model = ModelSpec.Sequential(layers) });

    public JobBuilder Data(DatasetSpec dataset) => With(_spec with { Dataset = dataset });

    /// <summary>The loss: <see cref="Nn.CrossEntropyLoss"/>, <see cref="Nn.MSELoss"/> or <see cref="Nn.BCEWithLogitsLoss"/>.</summary>
    public JobBuilder Loss(string loss) => With(_spec with { Loss = loss });

    public JobBuilder Optimizer(OptimizerSpec optimizer) => With(_spec with { Optimizer = optimizer });

    /// <summary>A learning-rate schedule stepped after each epoch (<see cref="LrSchedulers.StepLR"/>, <see cref="LrSchedulers.CosineAnnealingLR"/>).</summary>
    public JobBuilder LrScheduler(LrScheduleSpec schedule) => With(_spec with { LrSchedule = schedule });

    /// <summary>The global batch size, split over the workers.</summary>
    public JobBuilder BatchSize(int batchSize) => With(_spec with { BatchSize = batchSize });

    public JobBuilder Epochs(int epochs) => With(_spec with { Epochs = epochs });

    /// <summary>The number of data-parallel workers.</summary>
    public JobBuilder Workers(int workers) => With(_spec with { Workers = workers });

    /// <summary>The number of parameter shards (0: one per worker).</summary>
    public JobBuilder Shards(int shards) => With(_spec with { Shards = shards });

    /// <summary>As <c>torch.manual_seed(seed)</c>: the initial parameters and each epoch's shuffle.</summary>
    public JobBuilder Seed(long seed) => With(_spec with { Seed = seed });

    /// <summary>As a DataLoader's <c>shuffle</c> and <c>drop_last</c>.</summary>
    public JobBuilder Shuffle(bool shuffle = true, bool dropLast = false) => With(_spec with { Shuffle = shuffle, DropLast = dropLast });

    /// <summary>How long one step may take before the job fails.</summary>
    public JobBuilder StepTimeout(TimeSpan timeout) => With(_spec with { StepTimeout = timeout });

    /// <summary>Steps between checkpoints (0: at epoch ends only); a checkpoint is also taken at every epoch's end.</summary>
    public JobBuilder CheckpointInterval(int steps) => With(_spec with { CheckpointInterval = steps });

    /// <summary>The spec as built so far.</summary>
    public JobSpec Build() => _spec;

    private JobBuilder With(JobSpec spec)
    {
        _spec = spec;
        return this;
    }
}
