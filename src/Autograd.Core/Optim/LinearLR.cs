namespace Autograd.Optim;

/// <summary>
/// Scales each group's learning rate by a factor moving linearly from <see cref="StartFactor"/> to
/// <see cref="EndFactor"/> over <see cref="TotalIters"/> steps, then keeps it (PyTorch's <c>LinearLR</c>; the
/// usual linear warm-up).
/// </summary>
public sealed class LinearLR : LrScheduler
{
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "LinearLR: starting multiplicative factor startFactor expected to be greater than 0 and less or equal to 1");
        if (!(endFactor >= 0 && endFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, "LinearLR: ending multiplicative factor endFactor expected to be between 0 and 1");
        if (totalIters <= 0) throw new ArgumentOutOfRangeException(nameof(totalIters), totalIters, "LinearLR: totalIters must be positive");
        StartFactor = startFactor;
        EndFactor = endFactor;
        TotalIters = totalIters;
        InitialStep();
    }

    public double StartFactor { get; }

    public double EndFactor { get; }

    public int TotalIters { get; }

    protected override double[] GetLr()
    {
        var lrs = GroupLrs();
        if (LastEpoch == 0) return lrs.Select(lr => lr * StartFactor).ToArray();
        if (LastEpoch > TotalIters) return lrs;
        return lrs.Select(lr => lr * (1.0 + ((EndFactor - StartFactor) / ((TotalIters * StartFactor) + ((LastEpoch - 1) * (EndFactor - StartFactor)))))).ToArray();
    }

    protected override double[] GetClosedFormLr() =>
        BaseLrs.Select(b => b * (StartFactor + ((EndFactor - StartFactor) * Math.Min(TotalIters, LastEpoch) / TotalIters))).ToArray();
}
