using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Optim;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// Checks an <see cref="LrScheduleSpec"/> by field and makes the engine scheduler; the caller steps it per epoch or per
/// optimizer step as <see cref="LrScheduleSpec.Interval"/> says (<see cref="StepsPerOptimizerStep"/>).
/// </summary>
public static class ScheduleFactory
{
    public static void Validate(LrScheduleSpec? spec)
    {
        if (spec is null) return;
        if (spec.Interval is not (LrScheduleSpec.PerEpoch or LrScheduleSpec.PerStep))
            throw new JobSpecException("lrSchedule.interval", $"unknown interval '{spec.Interval}'; known intervals: {string.Join(", ", LrScheduleSpec.Intervals)}");
        string unit = spec.Interval == LrScheduleSpec.PerStep ? "step" : "epoch";
        switch (spec.Kind)
        {
            case LrScheduleSpec.Step:
                if (spec.StepSize < 1) throw new JobSpecException("lrSchedule.stepSize", $"must be at least 1 {unit}, got {spec.StepSize}");
                if (!(spec.Gamma > 0) || double.IsInfinity(spec.Gamma)) throw new JobSpecException("lrSchedule.gamma", $"must be positive and finite, got {spec.Gamma}");
                break;
            case LrScheduleSpec.Cosine:
                if (spec.TMax < 1) throw new JobSpecException("lrSchedule.tMax", $"must be at least 1 {unit}, got {spec.TMax}");
                if (!(spec.EtaMin >= 0) || double.IsInfinity(spec.EtaMin)) throw new JobSpecException("lrSchedule.etaMin", $"must be non-negative and finite, got {spec.EtaMin}");
                break;
            default:
                throw new JobSpecException("lrSchedule.kind", $"unknown schedule '{spec.Kind}'; known schedules: {string.Join(", ", LrScheduleSpec.Kinds)}");
        }
    }

    /// <summary>True when the schedule steps after every optimizer step rather than after every epoch.</summary>
    public static bool StepsPerOptimizerStep(LrScheduleSpec? spec) => spec?.Interval == LrScheduleSpec.PerStep;

    public static LrScheduler? Create(LrScheduleSpec? spec, Optimizer optimizer)
    {
        Validate(spec);
        return spec?.Kind switch
        {
            null => null,
            LrScheduleSpec.Step => new StepLR(optimizer, spec.StepSize, spec.Gamma),
            _ => new CosineAnnealingLR(optimizer, spec.TMax, spec.EtaMin),
        };
    }
}
