namespace Autograd.NN;

/// <summary>
/// Batch normalisation, as PyTorch's <c>_BatchNorm</c>: in training mode normalises by the batch's statistics
/// and updates the running ones (running = (1 - momentum) * running + momentum * batch, with the unbiased batch
/// variance; a null momentum gives the cumulative average 1/num_batches_tracked); in evaluation mode normalises by
/// the running statistics. State-dict names: <c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>,
/// <c>num_batches_tracked</c> (Int64 scalar).
/// </summary>
public abstract class BatchNormBase : Module
{
    protected BatchNormBase(int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats)
    {
        if (numFeatures <= 0) throw new ArgumentException($"{GetType().Name}: num_features must be positive, got {numFeatures}", nameof(numFeatures));
        if (momentum is double m && !(m >= 0 && m <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), m, $"{GetType().Name}: momentum must be in [0, 1] (or null for a cumulative average)");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"{GetType().Name}: eps must be non-negative");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        Affine = affine;
        TrackRunningStats = trackRunningStats;
        if (affine)
        {
            Weight = Tensor.Ones([numFeatures], DType.Float32, requiresGrad: true).MoveToOuterScope();
            Bias = Tensor.Zeros([numFeatures], DType.Float32, requiresGrad: true).MoveToOuterScope();
        }

        if (trackRunningStats)
        {
            RunningMean = Tensor.Zeros([numFeatures], DType.Float32).MoveToOuterScope();
            RunningVar = Tensor.Ones([numFeatures], DType.Float32).MoveToOuterScope();
            NumBatchesTracked = Tensor.Zeros([], DType.Int64).MoveToOuterScope();
        }
    }

    public int NumFeatures { get; }

    public double Eps { get; }

    /// <summary>The running statistics' update factor; null for a cumulative moving average.</summary>
    public double? Momentum { get; }

    public bool Affine { get; }

    public bool TrackRunningStats { get; }

    /// <summary>The [num_features] scale (ones at first), or null without affine.</summary>
    public Tensor? Weight { get; private set; }

    /// <summary>The [num_features] shift (zeros at first), or null without affine.</summary>
    public Tensor? Bias { get; private set; }

    [Buffer("running_mean")]
    public Tensor? RunningMean { get; private set; }

    [Buffer("running_var")]
    public Tensor? RunningVar { get; private set; }

    [Buffer("num_batches_tracked")]
    public Tensor? NumBatchesTracked { get; private set; }

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInputDim(input);
        double factor = Momentum ?? 0.0;
        if (Training && TrackRunningStats && NumBatchesTracked is { } tracked)
        {
            long batches = (long)tracked.ItemDouble() + 1;
            tracked.Fill_(batches);
            factor = Momentum ?? 1.0 / batches;
        }

        // Batch statistics while training, or when there are no running ones to use.
        bool useBatchStats = Training || (RunningMean is null && RunningVar is null);
        bool passRunning = !Training || TrackRunningStats;
        return Functional.BatchNorm(input, passRunning ? RunningMean : null, passRunning ? RunningVar : null, Weight, Bias, useBatchStats, factor, Eps);
    }

    /// <summary>Running statistics back to mean 0, variance 1, no batches seen.</summary>
    public void ResetRunningStats()
    {
        using var noGrad = Tensor.NoGrad();
        RunningMean?.Zero_();
        RunningVar?.Fill_(1);
        NumBatchesTracked?.Zero_();
    }

    /// <summary>Throws when the input's rank does not fit the layer.</summary>
    protected abstract void CheckInputDim(Tensor input);

    protected override string ExtraRepr() =>
        $"{NumFeatures}, eps={PyFormat.Float(Eps)}, momentum={(Momentum is double m ? PyFormat.Float(m) : "None")}, affine={PyFormat.Bool(Affine)}, track_running_stats={PyFormat.Bool(TrackRunningStats)}";
}

/// <summary>Batch normalisation over [N, C] or [N, C, L] inputs (PyTorch's <c>nn.BatchNorm1d</c>).</summary>
public sealed class BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats)
{
    protected override void CheckInputDim(Tensor input)
    {
        if (input.Dim is not (2 or 3)) throw new ArgumentException($"BatchNorm1d: expected 2D or 3D input (got {input.Dim}D input of shape {Tensor.ShapeString(input.ShapeRef)})", nameof(input));
    }
}

/// <summary>Batch normalisation over [N, C, H, W] inputs (PyTorch's <c>nn.BatchNorm2d</c>).</summary>
public sealed class BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats)
{
    protected override void CheckInputDim(Tensor input)
    {
        if (input.Dim != 4) throw new ArgumentException($"BatchNorm2d: expected 4D input (got {input.Dim}D input of shape {Tensor.ShapeString(input.ShapeRef)})", nameof(input));
    }
}
