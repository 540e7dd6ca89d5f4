using ILGPU;
using ILGPU.Runtime;

namespace Autograd.Backends.Ilgpu;

internal sealed partial class IlgpuBackend
{
    public void SgdStep(Storage param, Storage grad, Storage? momentumBuffer, in SgdParameters p)
    {
        if (param.DType == DType.Float32) SgdCore<float, Float32Math>(Of(param), Of(grad), momentumBuffer is null ? null : Of(momentumBuffer), p);
        else if (param.DType == DType.Float64) SgdCore<double, Float64Math>(Of(param), Of(grad), momentumBuffer is null ? null : Of(momentumBuffer), p);
        else throw new NotSupportedException($"SGD on a parameter of dtype {param.DType.TorchName()}");
    }

    public void AdamStep(Storage param, Storage grad, Storage expAvg, Storage expAvgSq, Storage? maxExpAvgSq, in AdamParameters p)
    {
        if (param.DType == DType.Float32) AdamCore<float, Float32Math>(Of(param), Of(grad), Of(expAvg), Of(expAvgSq), maxExpAvgSq is null ? null : Of(maxExpAvgSq), p);
        else if (param.DType == DType.Float64) AdamCore<double, Float64Math>(Of(param), Of(grad), Of(expAvg), Of(expAvgSq), maxExpAvgSq is null ? null : Of(maxExpAvgSq), p);
        else throw new NotSupportedException($"Adam on a parameter of dtype {param.DType.TorchName()}");
    }

    private void SgdCore<T, TNum>(IlgpuStorage param, IlgpuStorage grad, IlgpuStorage? buffer, SgdParameters p)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = param.Length;
        if (n == 0) return;
        TNum m = default;
        var args = new SgdArgs<T>
        {
            Lr = m.FromDouble(p.Lr),
            WeightDecay = m.FromDouble(p.WeightDecay),
            Momentum = m.FromDouble(p.Momentum),
            // 1 - dampening in double, then rounded, as PyTorch (and the CPU backend).
            Keep = m.FromDouble(1 - p.Dampening),
            Maximize = p.Maximize ? 1 : 0,
            HasDecay = p.WeightDecay != 0 ? 1 : 0,
            HasBuffer = buffer is null ? 0 : 1,
            FirstStep = p.FirstStep ? 1 : 0,
            Nesterov = p.Nesterov ? 1 : 0,
        };
        var kernel = Kernels.Get("sgd", typeof(T), static a => a.LoadStreamKernel<int, SgdArgs<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(OptimizerKernels.Sgd<T, TNum>));
        // Without momentum the kernel never touches the buffer argument: the gradient stands in for it.
        kernel(Grid(n), n, args, param.View<T>(), grad.View<T>(), (buffer ?? grad).View<T>());
    }

    private void AdamCore<T, TNum>(IlgpuStorage param, IlgpuStorage grad, IlgpuStorage expAvg, IlgpuStorage expAvgSq, IlgpuStorage? maxExpAvgSq, AdamParameters p)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = param.Length;
        if (n == 0) return;
        TNum m = default;
        double bc1 = 1 - Math.Pow(p.Beta1, p.Step), bc2 = 1 - Math.Pow(p.Beta2, p.Step);
        var b1 = m.FromDouble(p.Beta1);
        var b2 = m.FromDouble(p.Beta2);
        var args = new AdamArgs<T>
        {
            Beta1 = b1,
            Beta2 = b2,
            // 1 - beta in double, then rounded, as PyTorch (and the CPU backend).
            OneMinusBeta1 = m.FromDouble(1 - p.Beta1),
            OneMinusBeta2 = m.FromDouble(1 - p.Beta2),
            Eps = m.FromDouble(p.Eps),
            WeightDecay = m.FromDouble(p.WeightDecay),
            StepSize = m.FromDouble(p.Lr / bc1),
            Bc2Sqrt = m.FromDouble(Math.Sqrt(bc2)),
            Decay = m.FromDouble(1 - (p.Lr * p.WeightDecay)),
            Maximize = p.Maximize ? 1 : 0,
            CoupledDecay = p.WeightDecay != 0 && !p.Decoupled ? 1 : 0,
            DecoupledDecay = p.WeightDecay != 0 && p.Decoupled ? 1 : 0,
            Amsgrad = p.Amsgrad ? 1 : 0,
        };
        if (p.Amsgrad && maxExpAvgSq is null) throw new ArgumentException("AdamStep: amsgrad needs a max_exp_avg_sq state tensor");
        var kernel = Kernels.Get("adam", typeof(T), static a => a.LoadStreamKernel<int, AdamArgs<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(OptimizerKernels.Adam<T, TNum>));
        kernel(Grid(n), n, args, param.View<T>(), grad.View<T>(), expAvg.View<T>(), expAvgSq.View<T>(), (maxExpAvgSq ?? expAvgSq).View<T>());
    }
}
