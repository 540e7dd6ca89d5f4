using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// Checks a <see cref="JobSpec"/> as a whole and turns it into a <see cref="JobPlan"/>: scalar fields first, then the
/// loss, optimizer and schedule, then the data, then the model, built once with the job's seed and run on a dummy
/// batch of the data's sample shape. Every refusal is a <see cref="JobSpecException"/> naming the field.
/// </summary>
public static class JobPlanner
{
    public static JobPlan Plan(JobSpec? spec, DatasetProvider datasets)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        if (spec is null) throw new JobSpecException("spec", "is missing");
        CheckScalars(spec);
        LossFunction.Validate(spec.Loss);
        OptimizerFactory.Validate(spec.Optimizer);
        ScheduleFactory.Validate(spec.LrSchedule);

        var data = datasets.Load(spec.Dataset, spec.Loss);
        int steps = BatchPartition.StepsPerEpoch(data.Count, spec.BatchSize, spec.DropLast);
        if (steps == 0)
            throw new JobSpecException("batchSize", $"{spec.BatchSize} is more than the dataset's {data.Count} samples and dropLast is set: an epoch would have no step");

        Sequential model = ModelFactory.BuildSeeded(spec.Model, spec.Seed, new Generator(spec.Seed));
        try
        {
            var output = ModelFactory.CheckShapes(model, spec.Model, data.SampleShape);
            LossFunction.CheckOutput(spec.Loss, output, data, spec.Model.Layers.Length - 1);
            if (FlatParameters.ParameterCount(model) == 0) throw new JobSpecException("model.layers", "the model has no parameters to train");
            var initial = FlatParameters.Values(model);
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
        if (spec.Model is null) throw new JobSpecException("model", "is missing");
    }
}
