using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Hosting;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// Checks a <see cref="JobSpec"/> as a whole and turns it into a <see cref="JobPlan"/>: scalar fields first, then the
/// loss, optimizer and schedule, then the data, then the model, built once with the job's seed and run on a dummy
/// batch of the data's sample shape. Every refusal is a <see cref="JobSpecException"/> naming the field.
/// </summary>
public static class JobPlanner
{
    /// <summary>
    /// The longest step timeout a spec may ask for: a day. Longer ones (<see cref="TimeSpan.MaxValue"/>) overflow the
    /// coordinator's timers and deactivation delay, and a step that may hang for days defeats failing fast.
    /// </summary>
    public static readonly TimeSpan MaxStepTimeout = TimeSpan.FromDays(1);

    /// <param name="spec">The job's spec, checked as a whole.</param>
    /// <param name="datasets">The silo's datasets (an upload must have been fetched with <see cref="DatasetProvider.PrepareAsync"/>).</param>
    /// <param name="models">The silo's registered models, which layer types may name (none when null).</param>
    /// <param name="slots">
    /// The cluster's worker slots (<see cref="Hosting.ClusterSlots.Count"/>): a job demanding more workers is refused
    /// naming <c>workers</c>. Null skips the check (planning outside a cluster).
    /// </param>
    /// <param name="limits">The cluster's limits (<see cref="TrainingLimits.MaxParametersPerJob"/>); null: the defaults.</param>
    public static JobPlan Plan(JobSpec? spec, DatasetProvider datasets, ModelRegistry? models = null, int? slots = null, TrainingLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        if (spec is null) throw new JobSpecException("spec", "is missing");
        CheckScalars(spec);
        CheckSlots(spec.Workers, slots);
        LossFunction.Validate(spec.Loss);
        OptimizerFactory.Validate(spec.Optimizer);
        ScheduleFactory.Validate(spec.LrSchedule);

        var data = datasets.Load(spec.Dataset, spec.Loss);
        int steps = BatchPartition.StepsPerEpoch(data.Count, spec.BatchSize, spec.DropLast);
        if (steps == 0)
            throw new JobSpecException("batchSize", $"{spec.BatchSize} is more than the dataset's {data.Count} samples and dropLast is set: an epoch would have no step");
        datasets.LoadTest(spec.Dataset, spec.Loss); // a bad test split is refused now, not at the first evaluation

        Sequential model = ModelFactory.BuildSeeded(spec.Model, spec.Seed, new Generator(spec.Seed), models, (limits ?? new TrainingLimits()).MaxParametersPerJob);
        try
        {
            var output = ModelFactory.CheckShapes(model, spec.Model, data.SampleShape);
            LossFunction.CheckOutput(spec.Loss, output, data, spec.Model.Layers.Length - 1);
            if (FlatParameters.ParameterCount(model) == 0) throw new JobSpecException("model.layers", "the model has no parameters to train");
            var initial = FlatParameters.Values(model);
            CheckSmallestSlice(model, spec, data); // after the values are taken: a training-mode pass moves running statistics
            var shards = ShardPartition.Split(initial.Length, spec.Shards, spec.Workers);
            return new JobPlan(spec, data.Count, steps, FlatParameters.Layout(model), initial, shards, data.Classes > 0);
        }
        finally
        {
            ModelDisposal.Release(model);
        }
    }

    private static void CheckScalars(JobSpec spec)
    {
        if (spec.BatchSize <= 0) throw new JobSpecException("batchSize", $"must be positive, got {spec.BatchSize}");
        if (spec.Epochs <= 0) throw new JobSpecException("epochs", $"must be positive, got {spec.Epochs}");
        if (spec.Workers <= 0) throw new JobSpecException("workers", $"must be positive, got {spec.Workers}");
        if (spec.Workers > spec.BatchSize)
            throw new JobSpecException("workers", $"{spec.Workers} workers cannot split a global batch of {spec.BatchSize}: each needs at least one sample");
        if (spec.Shards < 0) throw new JobSpecException("shards", $"must be 0 (one per worker) or positive, got {spec.Shards}");
        if (spec.StepTimeout <= TimeSpan.Zero) throw new JobSpecException("stepTimeout", $"must be positive, got {spec.StepTimeout}");
        if (spec.StepTimeout > MaxStepTimeout) throw new JobSpecException("stepTimeout", $"must be at most {MaxStepTimeout}, got {spec.StepTimeout}");
        if (spec.CheckpointInterval < 0)
            throw new JobSpecException("checkpointInterval", $"must be 0 (checkpoint at epoch ends only) or a positive number of steps, got {spec.CheckpointInterval}");
        if (spec.OnNonFiniteLoss is not (JobSpec.StopOnNonFinite or JobSpec.SkipNonFiniteStep))
            throw new JobSpecException("onNonFiniteLoss", $"unknown policy '{spec.OnNonFiniteLoss}'; use '{JobSpec.StopOnNonFinite}' or '{JobSpec.SkipNonFiniteStep}'");
        if (spec.Model is null) throw new JobSpecException("model", "is missing");
    }

    /// <summary>
    /// A worker may get a single sample in a step (a global batch that barely covers the workers, a short last batch):
    /// a layer that cannot train on one sample (BatchNorm over a single value per channel) would fail that step after
    /// the job was accepted. When it can happen, the model runs once in training mode, without a graph, on one zero
    /// sample, and a layer that refuses it refuses the job naming <c>batchSize</c>.
    /// </summary>
    private static void CheckSmallestSlice(Sequential model, JobSpec spec, TrainingData data)
    {
        int full = Math.Min(spec.BatchSize, data.Count);
        int last = spec.DropLast ? 0 : data.Count % spec.BatchSize;
        int smallest = new[] { full, last }.Where(b => b > 0).Min(b => b >= spec.Workers ? b / spec.Workers : 1);
        if (smallest > 1) return;

        bool training = model.Training;
        model.Train();
        try
        {
            using var scope = new TensorScope();
            using var noGrad = Tensor.NoGrad();
            var x = Tensor.Zeros([1, .. data.SampleShape], DType.Float32);
            int index = 0;
            foreach (var layer in model)
            {
                try
                {
                    x = layer.Forward(x);
                }
                catch (Exception e) when (e is not (JobSpecException or OutOfMemoryException))
                {
                    throw new JobSpecException(
                        "batchSize",
                        $"a global batch of {(last > 0 ? $"{spec.BatchSize} (the epoch's last: {last})" : spec.BatchSize)} over {spec.Workers} worker(s) leaves a worker a single sample, which model.layers[{index}] ({spec.Model.Layers[index].Type}) cannot train on: {e.Message}");
                }

                index++;
            }
        }
        finally
        {
            model.Train(training);
        }
    }

    /// <summary>
    /// Every worker of a job needs a slot of its own, and a job demands all the workers it names: one that names more
    /// than the cluster has is refused rather than run on fewer (which would change its per-worker batch and speed)
    /// or stacked several to a slot. Submit with at most the cluster's slots to run on what is there.
    /// </summary>
    private static void CheckSlots(int workers, int? slots)
    {
        if (slots is { } available && workers > available)
            throw new JobSpecException("workers", $"{workers} workers need {workers} slots, but the cluster has {available} (active silos x Autograd:SlotsPerSilo)");
    }
}
