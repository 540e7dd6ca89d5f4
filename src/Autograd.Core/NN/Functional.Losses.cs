using Autograd.Graph;

namespace Autograd.NN;

/// <summary>
/// Loss functions with PyTorch's exact definitions. Input and target shapes must match as PyTorch requires: a loss
/// never broadcasts silently (an [N, 1] prediction against an [N] target is an error, not an [N, N] loss).
/// </summary>
public static partial class Functional
{
    /// <summary>Mean squared error (F.mse_loss): (input - target)^2, reduced. Shapes must be equal.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        const string op = "MseLoss";
        CheckLossPair(input, target, op);
        var diff = input - target;
        return Reduce(diff * diff, reduction);
    }

    /// <summary>
    /// Cross entropy (F.cross_entropy) of unnormalized scores: log_softmax over the class dimension followed by the
    /// negative log likelihood. Input is [N, C], [N, C, d1, ...] or [C]; target holds Int64 class indices of shape
    /// [N], [N, d1, ...] or [] — or class probabilities of the input's shape. With label smoothing eps the loss is
    /// (1 - eps) * nll + eps * mean over classes of -log_softmax.
    /// </summary>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
    {
        const string op = "CrossEntropy";
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentException($"{op}: label_smoothing must be between 0.0 and 1.0, but got {labelSmoothing}", nameof(labelSmoothing));
        CheckFloatingPoint(input, "input", op);
        if (input.Dim == 0)
            throw new ArgumentException($"{op}: expected input of shape [C], [N, C] or [N, C, d1, ...], but got a 0-D input (target {Tensor.ShapeString(target.ShapeRef)})");
        int classDim = input.Dim == 1 ? 0 : 1;
        int classes = input.ShapeRef[classDim];

        if (target.DType.IsFloatingPoint())
        {
            // Class probabilities, one distribution per sample.
            if (!input.ShapeRef.AsSpan().SequenceEqual(target.ShapeRef))
                throw new ArgumentException($"{op}: class-probability target must have the input's shape, but got input {Tensor.ShapeString(input.ShapeRef)} and target {Tensor.ShapeString(target.ShapeRef)}");
            var probabilities = labelSmoothing > 0 ? (target * (1 - labelSmoothing)) + (labelSmoothing / classes) : target;
            var perSample = -(input.LogSoftmax(classDim) * probabilities).Sum(classDim);
            return Reduce(perSample, reduction);
        }

        CheckClassTarget(input, target, op);
        var logProbabilities = input.LogSoftmax(classDim);
        var nll = NllLossCore(logProbabilities, target, reduction, op);
        if (labelSmoothing == 0) return nll;
        var smooth = Reduce(-logProbabilities.Sum(classDim), reduction);
        return (nll * (1 - labelSmoothing)) + (smooth * (labelSmoothing / classes));
    }

    /// <summary>
    /// Negative log likelihood (F.nll_loss): -input[n, target[n], d...] for log-probabilities input [N, C, d...]
    /// (or [C]) and Int64 class indices target [N, d...] (or []), reduced.
    /// </summary>
    public static Tensor NllLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        const string op = "NllLoss";
        CheckFloatingPoint(input, "input", op);
        CheckClassTarget(input, target, op);
        return NllLossCore(input, target, reduction, op);
    }

    /// <summary>
    /// Binary cross entropy on logits (F.binary_cross_entropy_with_logits): -[w_p y log sigmoid(x) + (1 - y) log(1 -
    /// sigmoid(x))], with <paramref name="posWeight"/> w_p (broadcast over the input, e.g. one per class) weighting
    /// the positive term. Shapes of input and target must be equal.
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, Tensor? posWeight = null)
    {
        const string op = "BinaryCrossEntropyWithLogits";
        CheckLossPair(input, target, op);
        if (posWeight is not null)
        {
            Tensor.CheckSameDevice(input, posWeight, op);
            bool fits = posWeight.Dim <= input.Dim;
            for (int i = 1; fits && i <= posWeight.Dim; i++) fits = posWeight.ShapeRef[^i] == 1 || posWeight.ShapeRef[^i] == input.ShapeRef[^i];
            if (!fits)
                throw new ArgumentException($"{op}: pos_weight of shape {Tensor.ShapeString(posWeight.ShapeRef)} does not broadcast to the input's shape {Tensor.ShapeString(input.ShapeRef)}");
        }

        // PyTorch's form: softplus(-x) = m + log(exp(-m) + exp(-x - m)) with m = max(-x, 0). It never overflows, and
        // being a shifted log-sum-exp its gradient is exact for any m', also at x = 0 (where |x| and max(x, 0) have
        // no derivative and the max(x,0) - x*y + log1p(exp(-|x|)) form would give -y instead of 0.5 - y).
        var m = (-input).Relu();
        var softplusNeg = ((-m).Exp() + (-input - m).Exp()).Log() + m;
        var linear = (1 - target) * input;
        var loss = posWeight is null
            ? linear + softplusNeg
            : linear + ((((posWeight - 1) * target) + 1) * softplusNeg);
        return Reduce(loss, reduction);
    }

    private static Tensor NllLossCore(Tensor input, Tensor target, Reduction reduction, string op)
    {
        int classes = input.ShapeRef[input.Dim == 1 ? 0 : 1];
        CheckIndexRange(target, classes, (index, at) =>
            $"{op}: target {index} (at flat position {at} of target {Tensor.ShapeString(target.ShapeRef)}) is out of bounds for {classes} classes (input {Tensor.ShapeString(input.ShapeRef)})");
        return Reduce(-PickClasses(input, target), reduction);
    }

    /// <summary>
    /// y[n, d...] = x[n, target[n, d...], d...] for x [N, C, d...] (or [C] with a 0-D target): torch.gather along
    /// the class dimension with one index per (sample, position) slot; the gradient scatters back into zeros.
    /// </summary>
    private static Tensor PickClasses(Tensor x, Tensor target)
    {
        int outer = x.Dim == 1 ? 1 : x.ShapeRef[0];
        int classes = x.ShapeRef[x.Dim == 1 ? 0 : 1];
        int inner = 1;
        for (int d = 2; d < x.Dim; d++) inner *= x.ShapeRef[d];
        var y = Tensor.Empty(target.ShapeRef, x.DType, x.Device);
        x.Backend.Gather(x.Storage, outer, classes, inner, target.Storage, y.Storage);
        var inputShape = x.ShapeRef;
        return GraphRecorder.Record(y, "GatherBackward0", [x], [target], gy =>
        {
            var gx = Tensor.Zeros(inputShape, gy.DType, gy.Device);
            gy.Backend.ScatterAdd(gy.Storage, outer, classes, inner, target.Storage, gx.Storage);
            return [gx];
        });
    }

    /// <summary>Int64 target [N, d...] for input [N, C, d...], or a 0-D target for a 1-D input [C].</summary>
    private static void CheckClassTarget(Tensor input, Tensor target, string op)
    {
        Tensor.CheckSameDevice(input, target, op);
        if (target.DType != DType.Int64)
            throw new ArgumentException($"{op}: expected target of dtype torch.int64 (class indices), but got {target.DType.TorchName()} (input {Tensor.ShapeString(input.ShapeRef)}, target {Tensor.ShapeString(target.ShapeRef)})");
        if (input.Dim == 0)
            throw new ArgumentException($"{op}: expected input of shape [C], [N, C] or [N, C, d1, ...], but got a 0-D input (target {Tensor.ShapeString(target.ShapeRef)})");
        var expected = input.Dim == 1 ? [] : input.ShapeRef.Where((_, d) => d != 1).ToArray();
        if (!target.ShapeRef.AsSpan().SequenceEqual(expected))
            throw new ArgumentException($"{op}: expected target of shape {Tensor.ShapeString(expected)} for input of shape {Tensor.ShapeString(input.ShapeRef)} (classes along dimension {(input.Dim == 1 ? 0 : 1)}), but got target of shape {Tensor.ShapeString(target.ShapeRef)}");
    }

    /// <summary>Elementwise losses need floating tensors of exactly the same shape.</summary>
    private static void CheckLossPair(Tensor input, Tensor target, string op)
    {
        Tensor.CheckSameDevice(input, target, op);
        if (!input.ShapeRef.AsSpan().SequenceEqual(target.ShapeRef))
            throw new ArgumentException($"{op}: target shape {Tensor.ShapeString(target.ShapeRef)} must be the same as input shape {Tensor.ShapeString(input.ShapeRef)}; reshape one of them (losses do not broadcast)");
        CheckFloatingPoint(input, "input", op);
        CheckFloatingPoint(target, "target", op);
    }

    private static Tensor Reduce(Tensor loss, Reduction reduction) => reduction switch
    {
        Reduction.None => loss,
        Reduction.Mean => loss.Mean(),
        Reduction.Sum => loss.Sum(),
        _ => throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "unknown reduction"),
    };
}
