namespace Autograd.Optim;

/// <summary>
/// Runs schedulers one after another, switching at the <see cref="Milestones"/> (PyTorch's <c>SequentialLR</c>):
/// e.g. <c>new SequentialLR(opt, [new LinearLR(opt, 0.1, totalIters: 5), new CosineAnnealingLR(opt, 95)], [5])</c>
/// warms up for 5 epochs, then anneals. At a milestone the next scheduler restarts from epoch 0.
/// </summary>
public sealed class SequentialLR : LrScheduler
{
    private readonly LrScheduler[] _schedulers;
    private readonly int[] _milestones;

    public SequentialLR(Optimizer optimizer, IReadOnlyList<LrScheduler> schedulers, IReadOnlyList<int> milestones, int lastEpoch = -1)
        : base(optimizer ?? throw new ArgumentNullException(nameof(optimizer)), lastEpoch + 1, composite: true)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedulers.Count == 0) throw new ArgumentException("SequentialLR: expects at least one scheduler", nameof(schedulers));
        for (int i = 0; i < schedulers.Count; i++)
        {
            if (!ReferenceEquals(schedulers[i].Optimizer, optimizer))
                throw new ArgumentException($"SequentialLR: expects all schedulers to belong to the same optimizer, but got schedulers at index {i} to be different than the optimizer passed in.", nameof(schedulers));
        }

        if (milestones.Count != schedulers.Count - 1)
            throw new ArgumentException($"SequentialLR: expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers {schedulers.Count} and the number of milestones to be equal to {milestones.Count}", nameof(milestones));
        for (int i = 1; i < milestones.Count; i++)
        {
            if (milestones[i] < milestones[i - 1]) throw new ArgumentException($"SequentialLR: milestones must be increasing, got [{string.Join(", ", milestones)}]", nameof(milestones));
        }

        _schedulers = schedulers.ToArray();
        _milestones = milestones.ToArray();

        // As PyTorch: back to the initial rates, undo the step each scheduler took when it was built, and redo the
        // first one's initial step.
        foreach (var group in optimizer.ParamGroups) group.Lr = group.GetDouble("initial_lr");
        foreach (var scheduler in _schedulers) scheduler.LastEpoch--;
        _schedulers[0].InitialStep();
        SetLastLr(_schedulers[0].GetLastLr());
    }

    public IReadOnlyList<LrScheduler> Schedulers => _schedulers;

    public IReadOnlyList<int> Milestones => _milestones;

    public override void Step()
    {
        LastEpoch++;
        int idx = BisectRight(_milestones, LastEpoch);
        var scheduler = _schedulers[idx];
        if (idx > 0 && _milestones[idx - 1] == LastEpoch)
        {
            scheduler.Step(0);
        }
        else
        {
            scheduler.Step();
        }

        SetLastLr(scheduler.GetLastLr());
    }

    /// <summary>Not used: the active scheduler computes the rates.</summary>
    protected override double[] GetLr() => GroupLrs();

    /// <summary>Python's bisect.bisect_right: the number of milestones &lt;= value.</summary>
    private static int BisectRight(int[] sorted, int value)
    {
        int count = 0;
        while (count < sorted.Length && sorted[count] <= value) count++;
        return count;
    }
}
