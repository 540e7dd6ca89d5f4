using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Client.Building;

/// <summary>
/// Optimizers by PyTorch's <c>torch.optim</c> names and defaults, for <see cref="JobBuilder"/>:
/// <c>Optimizers.SGD(lr: 0.01, momentum: 0.9)</c>, <c>Optimizers.Adam(lr: 1e-3)</c>. (Not <c>Optim</c>: code inside an
/// <c>Autograd.*</c> namespace would find the engine's <c>Autograd.Optim</c> namespace first.)
/// </summary>
public static class Optimizers
{
    public static OptimizerSpec SGD(double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false) => new()
    {
        Kind = OptimizerSpec.Sgd,
        Lr = lr,
        Momentum = momentum,
        Dampening = dampening,
        WeightDecay = weightDecay,
        Nesterov = nesterov,
    };

    public static OptimizerSpec Adam(double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false) => new()
    {
        Kind = OptimizerSpec.Adam,
        Lr = lr,
        Beta1 = beta1,
        Beta2 = beta2,
        Eps = eps,
        WeightDecay = weightDecay,
        Amsgrad = amsgrad,
    };

    public static OptimizerSpec AdamW(double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01, bool amsgrad = false) => new()
    {
        Kind = OptimizerSpec.AdamW,
        Lr = lr,
        Beta1 = beta1,
        Beta2 = beta2,
        Eps = eps,
        WeightDecay = weightDecay,
        Amsgrad = amsgrad,
    };
}
