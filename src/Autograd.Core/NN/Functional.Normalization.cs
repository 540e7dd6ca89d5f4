namespace Autograd.NN;

/// <summary>Layer and batch normalization, composed from tensor ops (their gradients come from those ops).</summary>
public static partial class Functional
{
    /// <summary>
    /// Layer normalization (F.layer_norm) over the trailing dimensions given by <paramref name="normalizedShape"/>:
    /// (x - mean) / sqrt(var + eps) with the biased variance, then * weight + bias (both of that shape, optional).
    /// </summary>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        const string op = "LayerNorm";
        CheckFloatingPoint(input, "input", op);
        int k = normalizedShape.Length;
        if (k == 0 || k > input.Dim || !input.ShapeRef.AsSpan(input.Dim - k).SequenceEqual(normalizedShape))
            throw new ArgumentException($"{op}: given normalized_shape={Tensor.ShapeString(normalizedShape)}, expected input with shape [*, {string.Join(", ", normalizedShape)}], but got input of shape {Tensor.ShapeString(input.ShapeRef)}");
        CheckAffineShape(weight, normalizedShape, "weight", op, input);
        CheckAffineShape(bias, normalizedShape, "bias", op, input);

        var dims = Enumerable.Range(input.Dim - k, k).ToArray();
        var centered = input - input.Mean(dims, keepdim: true);
        var variance = (centered * centered).Mean(dims, keepdim: true);
        var y = centered * (variance + eps).Rsqrt();
        if (weight is not null) y *= weight;
        if (bias is not null) y += bias;
        return y;
    }

    /// <summary>
    /// Batch normalization (F.batch_norm) of input [N, C] or [N, C, *] per channel C. In training, normalizes by the
    /// batch's mean and biased variance and, when given, updates <paramref name="runningMean"/> and
    /// <paramref name="runningVar"/> in place (no graph) with weight <paramref name="momentum"/>, the running variance
    /// from the unbiased batch variance, as PyTorch. In evaluation, normalizes by the running statistics.
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        const string op = "BatchNorm";
        CheckFloatingPoint(input, "input", op);
        if (input.Dim < 2)
            throw new ArgumentException($"{op}: expected input of shape [N, C] or [N, C, *], but got input of shape {Tensor.ShapeString(input.ShapeRef)}");
        int channels = input.ShapeRef[1];
        int[] perChannel = [channels];
        CheckAffineShape(runningMean, perChannel, "running_mean", op, input);
        CheckAffineShape(runningVar, perChannel, "running_var", op, input);
        CheckAffineShape(weight, perChannel, "weight", op, input);
        CheckAffineShape(bias, perChannel, "bias", op, input);

        // Statistics broadcast as [1, C, 1, ...] against the input.
        var statShape = Enumerable.Repeat(1, input.Dim).ToArray();
        statShape[1] = channels;
        Tensor y;
        if (training)
        {
            long count = input.Numel / Math.Max(channels, 1);
            if (count <= 1)
                throw new ArgumentException($"{op}: expected more than 1 value per channel when training, but got input of shape {Tensor.ShapeString(input.ShapeRef)}");
            var dims = Enumerable.Range(0, input.Dim).Where(d => d != 1).ToArray();
            var mean = input.Mean(dims, keepdim: true);
            var centered = input - mean;
            var variance = (centered * centered).Mean(dims, keepdim: true);
            y = centered * (variance + eps).Rsqrt();
            using (Tensor.NoGrad())
            {
                if (runningMean is not null) UpdateRunningStat(runningMean, mean, momentum, 1);
                if (runningVar is not null) UpdateRunningStat(runningVar, variance, momentum, count / (double)(count - 1));
            }
        }
        else
        {
            if (runningMean is null || runningVar is null)
                throw new ArgumentException($"{op}: running_mean and running_var must be given in evaluation mode (training=false); input {Tensor.ShapeString(input.ShapeRef)}");

            // One scale and one shift per channel, so the full-size tensor is touched twice rather than four times.
            var scale = (runningVar.ToType(input.DType) + eps).Rsqrt();
            if (weight is not null) scale *= weight;
            var shift = -(runningMean.ToType(input.DType) * scale);
            if (bias is not null) shift += bias;
            return (input * scale.Reshape(statShape)) + shift.Reshape(statShape);
        }

        if (weight is not null) y *= weight.Reshape(statShape);
        if (bias is not null) y += bias.Reshape(statShape);
        return y;
    }

    /// <summary>stat = (1 - momentum) * stat + momentum * correction * batchStat, in place.</summary>
    private static void UpdateRunningStat(Tensor stat, Tensor batchStat, double momentum, double correction)
    {
        var update = (batchStat.Reshape(stat.ShapeRef) * (momentum * correction)).ToType(stat.DType);
        stat.Mul_(1 - momentum).Add_(update);
        update.Dispose();
    }

    private static void CheckAffineShape(Tensor? t, int[] expected, string name, string op, Tensor input)
    {
        if (t is null) return;
        Tensor.CheckSameDevice(input, t, op);
        if (!t.ShapeRef.AsSpan().SequenceEqual(expected))
            throw new ArgumentException($"{op}: expected {name} of shape {Tensor.ShapeString(expected)} for input of shape {Tensor.ShapeString(input.ShapeRef)}, but got {name} of shape {Tensor.ShapeString(t.ShapeRef)}");
        if (!t.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating point {name}, but got {t.DType.TorchName()}");
    }
}
