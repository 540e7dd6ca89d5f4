using ILGPU;

namespace Autograd.Backends.Ilgpu;

/// <summary>Hyper-parameters of one SGD launch, converted to the element type on the host.</summary>
internal struct SgdArgs<T>
    where T : unmanaged
{
    public T Lr, WeightDecay, Momentum, Keep;
    public int Maximize, HasDecay, HasBuffer, FirstStep, Nesterov;
}

/// <summary>Hyper-parameters of one Adam/AdamW launch, with the bias corrections folded in on the host.</summary>
internal struct AdamArgs<T>
    where T : unmanaged
{
    public T Beta1, Beta2, OneMinusBeta1, OneMinusBeta2, Eps, WeightDecay, StepSize, Bc2Sqrt, Decay;
    public int Maximize, CoupledDecay, DecoupledDecay, Amsgrad;
}

/// <summary>Fused optimizer updates: parameters and state never leave the device. Formulas as CpuBackend.Optim.cs.</summary>
internal static class OptimizerKernels
{
    /// <summary>torch.optim.SGD: d = g (+ wd*p); buf = mu*buf + (1-dampening)*d (buf = d on the first step); p -= lr*(nesterov ? d + mu*buf : buf).</summary>
    public static void Sgd<T, TNum>(int n, SgdArgs<T> p, ArrayView<T> param, ArrayView<T> grad, ArrayView<T> buffer)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        for (int i = GridStride.Start; i < n; i += GridStride.Step)
        {
            T d = p.Maximize != 0 ? m.Sub(m.Zero, grad[i]) : grad[i];
            if (p.HasDecay != 0) d = m.Add(d, m.Mul(p.WeightDecay, param[i]));
            if (p.HasBuffer != 0)
            {
                T buf = p.FirstStep != 0 ? d : m.Add(m.Mul(p.Momentum, buffer[i]), m.Mul(p.Keep, d));
                buffer[i] = buf;
                d = p.Nesterov != 0 ? m.Add(d, m.Mul(p.Momentum, buf)) : buf;
            }

            param[i] = m.Sub(param[i], m.Mul(p.Lr, d));
        }
    }

    /// <summary>torch.optim.Adam / AdamW (single-tensor form).</summary>
    public static void Adam<T, TNum>(int n, AdamArgs<T> p, ArrayView<T> param, ArrayView<T> grad, ArrayView<T> expAvg, ArrayView<T> expAvgSq, ArrayView<T> maxExpAvgSq)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        TNum m = default;
        for (int i = GridStride.Start; i < n; i += GridStride.Step)
        {
            T g = p.Maximize != 0 ? m.Sub(m.Zero, grad[i]) : grad[i];
            T w = param[i];
            if (p.CoupledDecay != 0) g = m.Add(g, m.Mul(p.WeightDecay, w));
            if (p.DecoupledDecay != 0) w = m.Mul(w, p.Decay);
            T mean = m.Add(m.Mul(p.Beta1, expAvg[i]), m.Mul(p.OneMinusBeta1, g));
            T variance = m.Add(m.Mul(p.Beta2, expAvgSq[i]), m.Mul(m.Mul(p.OneMinusBeta2, g), g));
            expAvg[i] = mean;
            expAvgSq[i] = variance;
            T vHat = variance;
            if (p.Amsgrad != 0)
            {
                vHat = NumericOps.Max<T, TNum>(maxExpAvgSq[i], variance);
                maxExpAvgSq[i] = vHat;
            }

            T denom = m.Add(m.Div(m.Sqrt(vHat), p.Bc2Sqrt), p.Eps);
            param[i] = m.Sub(w, m.Div(m.Mul(p.StepSize, mean), denom));
        }
    }
}
