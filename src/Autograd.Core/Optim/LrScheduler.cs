namespace Autograd.Optim;

/// <summary>
/// Base class of learning-rate schedulers, as PyTorch's <c>_LRScheduler</c>: construction records each group's
/// <c>initial_lr</c> (unless resuming) and performs the first step (epoch 0); each <see cref="Step()"/> advances
/// <see cref="LastEpoch"/> and writes the new rates into the optimizer's groups. Rates follow PyTorch's
/// chainable recurrences step by step (and its closed forms where PyTorch uses them), so they match PyTorch's
/// values to the last bit. Call it after <c>optimizer.Step()</c>, once per epoch (or per iteration).
/// </summary>
/// <remarks>Derived constructors must call <see cref="InitialStep"/> last, after setting their own fields.</remarks>
public abstract class LrScheduler
{
    private double[] _lastLr = [];

    /// <param name="optimizer">The optimizer whose groups' <c>lr</c> this scheduler sets.</param>
    /// <param name="lastEpoch">-1 to start; otherwise the epoch to resume after (groups must have <c>initial_lr</c>).</param>
    protected LrScheduler(Optimizer optimizer, int lastEpoch = -1)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        if (lastEpoch == -1)
        {
            foreach (var group in optimizer.ParamGroups) group.SetDefault("initial_lr", group.Lr);
        }
        else
        {
            for (int i = 0; i < optimizer.ParamGroups.Count; i++)
            {
                if (!optimizer.ParamGroups[i].ContainsKey("initial_lr"))
                    throw new ArgumentException($"{GetType().Name}: param 'initial_lr' is not specified in param_groups[{i}] when resuming an optimizer", nameof(lastEpoch));
            }
        }

        BaseLrs = optimizer.ParamGroups.Select(g => g.GetDouble("initial_lr")).ToArray();
        LastEpoch = lastEpoch;
    }

    /// <summary>For <see cref="SequentialLR"/>, which drives other schedulers and sets no group itself.</summary>
    private protected LrScheduler(Optimizer optimizer, int lastEpoch, bool composite)
    {
        _ = composite;
        Optimizer = optimizer;
        BaseLrs = optimizer.ParamGroups.Select(g => g.ContainsKey("initial_lr") ? g.GetDouble("initial_lr") : g.Lr).ToArray();
        LastEpoch = lastEpoch;
    }

    public Optimizer Optimizer { get; }

    /// <summary>Each group's <c>initial_lr</c>.</summary>
    public IReadOnlyList<double> BaseLrs { get; }

    /// <summary>The epoch of the last step (0 right after construction).</summary>
    public int LastEpoch { get; internal set; }

    /// <summary>Steps taken, construction's included (PyTorch's <c>_step_count</c>).</summary>
    protected int StepCount { get; private set; }

    /// <summary>The learning rate of each group after the last step.</summary>
    public IReadOnlyList<double> GetLastLr() => _lastLr;

    /// <summary>Advances one epoch and sets each group's <c>lr</c>.</summary>
    public virtual void Step()
    {
        StepCount++;
        LastEpoch++;
        Apply(GetLr());
    }

    /// <summary>
    /// Jumps to <paramref name="epoch"/> (PyTorch's deprecated <c>step(epoch)</c>, which <see cref="SequentialLR"/>
    /// uses at milestones): the closed form where the scheduler has one, else the recurrence.
    /// </summary>
    internal void Step(int epoch)
    {
        StepCount++;
        LastEpoch = epoch;
        Apply(GetClosedFormLr() ?? GetLr());
    }

    /// <summary>Resets the step count and performs the first step (PyTorch's <c>_initial_step</c>).</summary>
    protected internal void InitialStep()
    {
        StepCount = 0;
        Step();
    }

    /// <summary>The new rates from the groups' current ones (PyTorch's chainable <c>get_lr</c>), <see cref="LastEpoch"/> already advanced.</summary>
    protected abstract double[] GetLr();

    /// <summary>The rates as a function of <see cref="LastEpoch"/> alone (PyTorch's <c>_get_closed_form_lr</c>), or null if there is none.</summary>
    protected virtual double[]? GetClosedFormLr() => null;

    /// <summary>The current rate of each group.</summary>
    protected double[] GroupLrs() => Optimizer.ParamGroups.Select(g => g.Lr).ToArray();

    private protected void SetLastLr(IReadOnlyList<double> lrs) => _lastLr = lrs.ToArray();

    private void Apply(double[] lrs)
    {
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count && i < lrs.Length; i++) groups[i].Lr = lrs[i];
        _lastLr = groups.Select(g => g.Lr).ToArray();
    }
}
