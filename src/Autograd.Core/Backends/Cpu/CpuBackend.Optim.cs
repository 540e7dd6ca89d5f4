using System.Numerics;
using Autograd.Backends.Cpu.Threading;

namespace Autograd.Backends.Cpu;

internal sealed unsafe partial class CpuBackend
{
    private const int OptimizerGrain = 64 * 1024;

    public void SgdStep(Storage param, Storage grad, Storage? momentumBuffer, in SgdParameters p)
    {
        if (param.DType == DType.Float32)
        {
            var body = new SgdBody<float> { Param = Cpu(param).Pointer<float>(), Grad = Cpu(grad).Pointer<float>(), Buffer = momentumBuffer is null ? null : Cpu(momentumBuffer).Pointer<float>(), P = p };
            CpuParallel.ForRange(param.Length, OptimizerGrain, ref body);
        }
        else
        {
            var body = new SgdBody<double> { Param = Cpu(param).Pointer<double>(), Grad = Cpu(grad).Pointer<double>(), Buffer = momentumBuffer is null ? null : Cpu(momentumBuffer).Pointer<double>(), P = p };
            CpuParallel.ForRange(param.Length, OptimizerGrain, ref body);
        }
    }

    public void AdamStep(Storage param, Storage grad, Storage expAvg, Storage expAvgSq, Storage? maxExpAvgSq, in AdamParameters p)
    {
        if (param.DType == DType.Float32)
        {
            var body = new AdamBody<float>(p) { Param = Cpu(param).Pointer<float>(), Grad = Cpu(grad).Pointer<float>(), M = Cpu(expAvg).Pointer<float>(), V = Cpu(expAvgSq).Pointer<float>(), VMax = maxExpAvgSq is null ? null : Cpu(maxExpAvgSq).Pointer<float>() };
            CpuParallel.ForRange(param.Length, OptimizerGrain, ref body);
        }
        else
        {
            var body = new AdamBody<double>(p) { Param = Cpu(param).Pointer<double>(), Grad = Cpu(grad).Pointer<double>(), M = Cpu(expAvg).Pointer<double>(), V = Cpu(expAvgSq).Pointer<double>(), VMax = maxExpAvgSq is null ? null : Cpu(maxExpAvgSq).Pointer<double>() };
            CpuParallel.ForRange(param.Length, OptimizerGrain, ref body);
        }
    }

    /// <summary>torch.optim.SGD: d = g (+ wd*p); buf = mu*buf + (1-dampening)*d (buf = d on the first step); p -= lr*(nesterov ? d + mu*buf : buf).</summary>
    private struct SgdBody<T> : IParallelRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* Param;
        public T* Grad;
        public T* Buffer;
        public SgdParameters P;

        public readonly void Invoke(int start, int end)
        {
            T lr = T.CreateTruncating(P.Lr), wd = T.CreateTruncating(P.WeightDecay), mu = T.CreateTruncating(P.Momentum);
            // 1 - dampening in double, then rounded, as PyTorch passes alpha=1 - dampening (a Python float).
            T keep = T.CreateTruncating(1 - P.Dampening);
            int i = start;
            if (Vector.IsHardwareAccelerated)
            {
                // The scalar loop's formulas, lane by lane, each product rounded before its sum (no fused multiply-add),
                // so both give the same bits.
                var vlr = new Vector<T>(lr);
                var vwd = new Vector<T>(wd);
                var vmu = new Vector<T>(mu);
                var vkeep = new Vector<T>(keep);
                for (; i <= end - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var d = Vector.Load(Grad + i);
                    if (P.Maximize) d = -d;
                    if (P.WeightDecay != 0) d += vwd * Vector.Load(Param + i);
                    if (Buffer != null)
                    {
                        var buf = P.FirstStep ? d : (vmu * Vector.Load(Buffer + i)) + (vkeep * d);
                        buf.Store(Buffer + i);
                        d = P.Nesterov ? d + (vmu * buf) : buf;
                    }

                    (Vector.Load(Param + i) - (vlr * d)).Store(Param + i);
                }
            }

            for (; i < end; i++)
            {
                T d = P.Maximize ? -Grad[i] : Grad[i];
                if (P.WeightDecay != 0) d += wd * Param[i];
                if (Buffer != null)
                {
                    T buf = P.FirstStep ? d : (mu * Buffer[i]) + (keep * d);
                    Buffer[i] = buf;
                    d = P.Nesterov ? d + (mu * buf) : buf;
                }

                Param[i] -= lr * d;
            }
        }
    }

    /// <summary>torch.optim.Adam / AdamW (single-tensor form), vectorised; the scalar tail uses the same formulas.</summary>
    private struct AdamBody<T> : IParallelRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* Param;
        public T* Grad;
        public T* M;
        public T* V;
        public T* VMax;
        private readonly AdamParameters _p;
        private readonly T _stepSize, _bc2Sqrt, _decay;

        public AdamBody(AdamParameters p)
        {
            _p = p;
            double bc1 = 1 - Math.Pow(p.Beta1, p.Step), bc2 = 1 - Math.Pow(p.Beta2, p.Step);
            _stepSize = T.CreateTruncating(p.Lr / bc1);
            _bc2Sqrt = T.CreateTruncating(Math.Sqrt(bc2));
            _decay = T.CreateTruncating(1 - (p.Lr * p.WeightDecay));
        }

        public readonly void Invoke(int start, int end)
        {
            T b1 = T.CreateTruncating(_p.Beta1), b2 = T.CreateTruncating(_p.Beta2), eps = T.CreateTruncating(_p.Eps), wd = T.CreateTruncating(_p.WeightDecay);
            // 1 - beta in double, then rounded, as PyTorch passes alpha/value=1 - beta (a Python float): in float32,
            // 1 - 0.999f is 0.00099998713 instead of 0.001, and v, hence every update, was off by about 1e-5.
            T oneMinusB1 = T.CreateTruncating(1 - _p.Beta1), oneMinusB2 = T.CreateTruncating(1 - _p.Beta2);
            bool coupledDecay = _p.WeightDecay != 0 && !_p.Decoupled, decoupledDecay = _p.WeightDecay != 0 && _p.Decoupled;
            int i = start;
            if (Vector.IsHardwareAccelerated && !_p.Amsgrad)
            {
                var vb1 = new Vector<T>(b1);
                var vb2 = new Vector<T>(b2);
                var v1b1 = new Vector<T>(oneMinusB1);
                var v1b2 = new Vector<T>(oneMinusB2);
                var veps = new Vector<T>(eps);
                var vwd = new Vector<T>(wd);
                var vstep = new Vector<T>(_stepSize);
                var vbc2 = new Vector<T>(_bc2Sqrt);
                var vdecay = new Vector<T>(_decay);
                for (; i <= end - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var g = Vector.Load(Grad + i);
                    var p = Vector.Load(Param + i);
                    if (_p.Maximize) g = -g;
                    if (coupledDecay) g += vwd * p;
                    if (decoupledDecay) p *= vdecay;
                    var m = (vb1 * Vector.Load(M + i)) + (v1b1 * g);
                    var v = (vb2 * Vector.Load(V + i)) + (v1b2 * g * g);
                    m.Store(M + i);
                    v.Store(V + i);
                    var denom = (Vector.SquareRoot(v) / vbc2) + veps;
                    (p - (vstep * m / denom)).Store(Param + i);
                }
            }

            for (; i < end; i++)
            {
                T g = _p.Maximize ? -Grad[i] : Grad[i];
                T p = Param[i];
                if (coupledDecay) g += wd * p;
                if (decoupledDecay) p *= _decay;
                T m = (b1 * M[i]) + (oneMinusB1 * g);
                T v = (b2 * V[i]) + (oneMinusB2 * g * g);
                M[i] = m;
                V[i] = v;
                T vHat = v;
                if (_p.Amsgrad)
                {
                    VMax[i] = T.Max(VMax[i], v);
                    vHat = VMax[i];
                }

                Param[i] = p - (_stepSize * m / ((T.Sqrt(vHat) / _bc2Sqrt) + eps));
            }
        }
    }
}
