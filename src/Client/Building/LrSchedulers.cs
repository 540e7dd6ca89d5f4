using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Client.Building;

/// <summary>Learning-rate schedulers by PyTorch's <c>torch.optim.lr_scheduler</c> names, stepped once per epoch, for <see cref="JobBuilder"/>.</summary>
public static class LrSchedulers
{
    /// <summary><c>lr_scheduler.StepLR</c>: multiplies the learning rate by <paramref name="gamma"/> every <paramref name="stepSize"/> epochs.</summary>
    public static LrScheduleSpec StepLR(int stepSize, double gamma = 0.1) => new() { Kind = LrScheduleSpec.Step, StepSize = stepSize, Gamma = gamma };

    /// <summary><c>lr_scheduler.CosineAnnealingLR</c> over <paramref name="tMax"/> epochs down to <paramref name="etaMin"/>.</summary>
    public static LrScheduleSpec CosineAnnealingLR(int tMax, double etaMin = 0) => new() { Kind = LrScheduleSpec.Cosine, TMax = tMax, EtaMin = etaMin };
}
