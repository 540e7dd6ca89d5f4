namespace Autograd.Optim;

/// <summary>
/// Cosine annealing from each group's initial rate down to <see cref="EtaMin"/> over <see cref="TMax"/> epochs,
/// then back up (PyTorch's <c>CosineAnnealingLR</c>, with its chainable recurrence:
/// lr_t = eta_min + (lr_{t-1} - eta_min) (1 + cos(pi t / T)) / (1 + cos(pi (t - 1) / T))).
/// </summary>
public sealed class CosineAnnealingLR : LrScheduler
{
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        if (tMax <= 0) throw new ArgumentOutOfRangeException(nameof(tMax), tMax, "CosineAnnealingLR: tMax must be positive");
        TMax = tMax;
        EtaMin = etaMin;
        InitialStep();
    }

    public int TMax { get; }

    public double EtaMin { get; }

    protected override double[] GetLr()
    {
        var lrs = GroupLrs();
        if (LastEpoch == 0) return lrs;
        var result = new double[lrs.Length];
        for (int i = 0; i < lrs.Length; i++)
        {
            double baseLr = BaseLrs[i];
            if (StepCount == 1 && LastEpoch > 0)
            {
                result[i] = EtaMin + ((baseLr - EtaMin) * (1 + Math.Cos(LastEpoch * Math.PI / TMax)) / 2);
            }
            else if (PythonMod(LastEpoch - 1 - TMax, 2 * TMax) == 0)
            {
                result[i] = lrs[i] + ((baseLr - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2);
            }
            else
            {
                result[i] = ((1 + Math.Cos(Math.PI * LastEpoch / TMax)) / (1 + Math.Cos(Math.PI * (LastEpoch - 1) / TMax)) * (lrs[i] - EtaMin)) + EtaMin;
            }
        }

        return result;
    }

    protected override double[] GetClosedFormLr() =>
        BaseLrs.Select(b => EtaMin + ((b - EtaMin) * (1 + Math.Cos(Math.PI * LastEpoch / TMax)) / 2)).ToArray();

    /// <summary>Python's %, whose result takes the divisor's sign.</summary>
    private static int PythonMod(int a, int m) => ((a % m) + m) % m;
}
