using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Training;
using Autograd.Data;
using Autograd.NN;
using Autograd.Optim;

namespace Autograd.Cluster.Silo.Tests.Support;

/// <summary>
/// The single-process run a cluster job must reproduce: the engine directly, one model built after seeding, a
/// DataLoader over a DistributedSampler with one replica (the epoch's seeded order) at the global batch size, and the
/// usual zero_grad / backward / step loop, with the schedule stepped after each epoch (or each batch, for a per-step
/// schedule). With
/// <c>skipNonFinite</c>, a batch whose loss is not finite skips its update (as <c>skip-step</c> asks); with
/// <c>maxSteps</c>, the run stops after that many steps (a job cancelled or failed there).
/// </summary>
internal static class ReferenceTraining
{
    public static IReadOnlyDictionary<string, float[]> Run(JobSpec spec, bool skipNonFinite = false, long? maxSteps = null)
    {
        long steps = 0;
        var data = new DatasetProvider().Load(spec.Dataset, spec.Loss);
        var model = ModelFactory.BuildSeeded(spec.Model, spec.Seed, new Generator(spec.Seed));
        Optimizer optimizer = spec.Optimizer.Kind switch
        {
            OptimizerSpec.Sgd => new SGD(model.Parameters(), (float)spec.Optimizer.Lr, momentum: (float)spec.Optimizer.Momentum),
            OptimizerSpec.Adam => new Adam(model.Parameters(), (float)spec.Optimizer.Lr),
            OptimizerSpec.AdamW => new AdamW(model.Parameters(), (float)spec.Optimizer.Lr, weightDecay: (float)(spec.Optimizer.WeightDecay ?? 0.01)),
            _ => throw new NotSupportedException(spec.Optimizer.Kind),
        };
        LrScheduler? scheduler = spec.LrSchedule switch
        {
            null => null,
            { Kind: LrScheduleSpec.Step } s => new StepLR(optimizer, s.StepSize, s.Gamma),
            { Kind: LrScheduleSpec.Cosine } s => new CosineAnnealingLR(optimizer, s.TMax, s.EtaMin),
            _ => throw new NotSupportedException(spec.LrSchedule.Kind),
        };
        bool perStep = spec.LrSchedule?.Interval == LrScheduleSpec.PerStep;
        Loss criterion = spec.Loss switch
        {
            LossNames.CrossEntropy => new CrossEntropyLoss(),
            LossNames.Mse => new MSELoss(),
            _ => new BCEWithLogitsLoss(),
        };

        for (int epoch = 0; epoch < spec.Epochs; epoch++)
        {
            var sampler = new DistributedSampler(data.Count, numReplicas: 1, rank: 0, shuffle: spec.Shuffle, seed: spec.Seed) { Epoch = epoch };
            foreach (var (x, y) in new DataLoader(data.Dataset, spec.BatchSize, dropLast: spec.DropLast, sampler: sampler))
            {
                if (steps++ == maxSteps) return model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.ToArray());
                using var scope = new TensorScope();
                scope.Adopt(x);
                scope.Adopt(y);
                optimizer.ZeroGrad();
                var loss = criterion.Forward(model.Forward(x), y);
                if (!skipNonFinite || double.IsFinite(loss.ItemDouble()))
                {
                    loss.Backward();
                    optimizer.Step();
                }

                if (perStep) scheduler?.Step();
            }

            if (!perStep) scheduler?.Step();
        }

        return model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.ToArray());
    }
}
