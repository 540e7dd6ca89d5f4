using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Optim;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// Checks an <see cref="OptimizerSpec"/> by field and makes the engine optimizer for a parameter shard. The optimizers
/// here are elementwise, so one optimizer over a shard's flat slice updates every element exactly as per-parameter
/// optimizers over the whole model would.
/// </summary>
public static class OptimizerFactory
{
    public static void Validate(OptimizerSpec? spec)
    {
        if (spec is null) throw new JobSpecException("optimizer", "is missing");
        if (!OptimizerSpec.Kinds.Contains(spec.Kind))
            throw new JobSpecException("optimizer.kind", $"unknown optimizer '{spec.Kind}'; known optimizers: {string.Join(", ", OptimizerSpec.Kinds)}");
        if (!(spec.Lr > 0) || double.IsInfinity(spec.Lr)) throw new JobSpecException("optimizer.lr", $"the learning rate must be positive and finite, got {spec.Lr}");
        if (spec.WeightDecay is double wd && (!(wd >= 0) || double.IsInfinity(wd)))
            throw new JobSpecException("optimizer.weightDecay", $"must be non-negative and finite, got {wd}");
        if (spec.Kind == OptimizerSpec.Sgd)
        {
            if (!(spec.Momentum >= 0) || double.IsInfinity(spec.Momentum)) throw new JobSpecException("optimizer.momentum", $"must be non-negative and finite, got {spec.Momentum}");
            if (!double.IsFinite(spec.Dampening)) throw new JobSpecException("optimizer.dampening", $"must be finite, got {spec.Dampening}");
            if (spec.Nesterov && (spec.Momentum <= 0 || spec.Dampening != 0))
                throw new JobSpecException("optimizer.nesterov", $"Nesterov momentum needs a positive momentum and zero dampening (momentum={spec.Momentum}, dampening={spec.Dampening})");
            return;
        }

        if (!(spec.Beta1 >= 0 && spec.Beta1 < 1)) throw new JobSpecException("optimizer.beta1", $"must be in [0, 1), got {spec.Beta1}");
        if (!(spec.Beta2 >= 0 && spec.Beta2 < 1)) throw new JobSpecException("optimizer.beta2", $"must be in [0, 1), got {spec.Beta2}");
        if (!(spec.Eps >= 0) || double.IsInfinity(spec.Eps)) throw new JobSpecException("optimizer.eps", $"must be non-negative and finite, got {spec.Eps}");
    }

    /// <summary>The optimizer over <paramref name="parameters"/>, with the engine's float hyper-parameters.</summary>
    public static Optimizer Create(OptimizerSpec spec, IEnumerable<Tensor> parameters)
    {
        Validate(spec);
        var betas = ((float)spec.Beta1, (float)spec.Beta2);
        return spec.Kind switch
        {
            OptimizerSpec.Sgd => new SGD(parameters, (float)spec.Lr, (float)spec.Momentum, (float)spec.Dampening, (float)(spec.WeightDecay ?? 0), spec.Nesterov),
            OptimizerSpec.Adam => new Adam(parameters, (float)spec.Lr, betas, (float)spec.Eps, (float)(spec.WeightDecay ?? 0), spec.Amsgrad),
            _ => new AdamW(parameters, (float)spec.Lr, betas, (float)spec.Eps, (float)(spec.WeightDecay ?? 1e-2), spec.Amsgrad),
        };
    }
}
