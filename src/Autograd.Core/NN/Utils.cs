using Autograd.Backends;

namespace Autograd.NN;

/// <summary>Gradient utilities of <c>torch.nn.utils</c>.</summary>
public static class Utils
{
    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> in place so that their joint norm is at most
    /// <paramref name="maxNorm"/>, as PyTorch's <c>clip_grad_norm_</c>: the norm of order <paramref name="normType"/>
    /// (any p &gt; 0, or <see cref="double.PositiveInfinity"/> for the largest absolute value) is taken over all
    /// gradients as if concatenated; each is multiplied by <c>maxNorm / (total + 1e-6)</c> clamped to at most 1.
    /// Parameters without a gradient are skipped. A NaN or infinite total norm is returned as it is (and the
    /// gradients are scaled by the resulting NaN or 0, as PyTorch does) unless <paramref name="errorIfNonfinite"/>.
    /// </summary>
    /// <returns>The total norm of the gradients before clipping.</returns>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2.0, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(normType > 0))
            throw new ArgumentOutOfRangeException(nameof(normType), normType, "ClipGradNorm: normType must be a positive number or +infinity");
        if (double.IsNaN(maxNorm)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "ClipGradNorm: maxNorm is NaN");
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0.0;

        double total;
        using (Tensor.NoGrad())
        {
            if (double.IsPositiveInfinity(normType))
            {
                total = double.NegativeInfinity;
                foreach (var g in grads)
                {
                    if (g.Numel == 0) continue;
                    using var abs = g.Abs();
                    using var max = abs.Max();
                    double m = max.ItemDouble();
                    // Max of NaN is NaN here as in torch.max, so NaN must win the comparison too.
                    total = double.IsNaN(m) || double.IsNaN(total) ? double.NaN : Math.Max(total, m);
                }

                if (double.IsNegativeInfinity(total)) total = 0;
            }
            else if (normType == 2.0)
            {
                double sum = 0;
                foreach (var g in grads) sum += g.Backend.SumOfSquares(g.Storage);
                total = Math.Sqrt(sum);
            }
            else
            {
                double sum = 0;
                foreach (var g in grads)
                {
                    using var abs = g.Abs();
                    using var powered = abs.Pow(normType);
                    using var s = powered.Sum();
                    sum += s.ItemDouble();
                }

                total = Math.Pow(sum, 1.0 / normType);
            }

            if (errorIfNonfinite && !double.IsFinite(total))
                throw new InvalidOperationException($"The total norm of order {normType} for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false");

            double coefficient = maxNorm / (total + 1e-6);
            if (!(coefficient >= 1.0))
            {
                // NaN coefficients propagate, as torch.clamp(nan, max=1) is nan.
                foreach (var g in grads) g.Mul_(coefficient);
            }
        }

        return total;
    }

    /// <summary>Clamps every gradient of <paramref name="parameters"/> to [-clipValue, clipValue] in place (PyTorch's <c>clip_grad_value_</c>).</summary>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (double.IsNaN(clipValue)) throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "ClipGradValue: clipValue is NaN");
        using var noGrad = Tensor.NoGrad();
        foreach (var p in parameters)
        {
            if (p.Grad is not { } g) continue;
            g.Backend.Unary(UnaryOp.Clamp, g.Storage, g.Storage, -clipValue, clipValue);
            g.Storage.BumpVersion();
        }
    }

    /// <summary>
    /// Clears gradients: with <paramref name="setToNone"/> each Grad is disposed (back to the pool) and set to null,
    /// otherwise zeroed in place. Shared by <see cref="Module.ZeroGrad"/> and the optimizers.
    /// </summary>
    internal static void ZeroGrad(IEnumerable<Tensor> parameters, bool setToNone)
    {
        foreach (var p in parameters)
        {
            if (p.Grad is not { } g) continue;
            if (setToNone)
            {
                p.Grad = null;
                g.Dispose();
            }
            else
            {
                using (Tensor.NoGrad()) g.Zero_();
            }
        }
    }
}
