using Autograd;
using Autograd.Backends;
using Autograd.Optim;
using Xunit;
using static Autograd.Tests.Backends.Ilgpu.DeviceComparison;

namespace Autograd.Tests.Backends.Ilgpu;

[Collection(IlgpuTargets.Collection)]
public sealed class IlgpuOptimizerTests
{
    public static TheoryData<string, DType, string> Cases
    {
        get
        {
            var data = new TheoryData<string, DType, string>();
            string[] optimizers = ["sgd", "sgd_momentum", "sgd_nesterov_decay", "sgd_maximize", "adam", "adam_decay_amsgrad", "adamw", "adamw_maximize"];
            foreach (var device in new[] { IlgpuTargets.IlgpuCpu, IlgpuTargets.Cuda })
                foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                    foreach (var optimizer in optimizers) data.Add(device, dtype, optimizer);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedSteps_AfterThreeSteps_MatchCpuBackend(string target, DType dtype, string optimizer)
    {
        var device = IlgpuTargets.Require(target);
        var random = new Random(5);
        var start = Enumerable.Range(0, 37).Select(_ => random.NextDouble() - 0.5).ToArray();
        var grads = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 37).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();

        Tensor Run(Device on)
        {
            var p = Make(start, InputSpec.Of(37), dtype, on);
            Optimizer opt = optimizer switch
            {
                "sgd" => new SGD(new[] { p }, lr: 0.1f),
                "sgd_momentum" => new SGD(new[] { p }, lr: 0.1f, momentum: 0.9f, dampening: 0.1f),
                "sgd_nesterov_decay" => new SGD(new[] { p }, lr: 0.05f, momentum: 0.8f, weightDecay: 0.01f, nesterov: true),
                "sgd_maximize" => new SGD(new[] { p }, lr: 0.1f, momentum: 0.5f, maximize: true),
                "adam" => new Adam(new[] { p }, lr: 0.01f),
                "adam_decay_amsgrad" => new Adam(new[] { p }, lr: 0.01f, weightDecay: 0.1f, amsgrad: true),
                "adamw" => new AdamW(new[] { p }, lr: 0.01f),
                _ => new AdamW(new[] { p }, lr: 0.01f, weightDecay: 0.05f, amsgrad: true, maximize: true),
            };
            foreach (var g in grads)
            {
                p.Grad = Make(g, new InputSpec([37], RequiresGrad: false), dtype, on);
                opt.Step();
            }

            Assert.Equal(on, p.Device);
            return p;
        }

        AssertClose(Run(Device.Cpu), Run(device), optimizer);
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.DevicesAndDTypes), MemberType = typeof(IlgpuTargets))]
    public void AdamStep_Primitive_UpdatesStateLikeCpu(string target, DType dtype)
    {
        var device = IlgpuTargets.Require(target);
        var values = Enumerable.Range(0, 40).Select(i => Math.Sin(i)).ToArray();
        Tensor[] Run(Device on)
        {
            var spec = new InputSpec([10], RequiresGrad: false);
            var p = Make(values[..10], spec, dtype, on);
            var g = Make(values[10..20], spec, dtype, on);
            var m = Make(values[20..30], spec, dtype, on);
            var v = Make(values[30..40].Select(Math.Abs).ToArray(), spec, dtype, on);
            var vmax = Make(values[30..40].Select(x => Math.Abs(x) * 0.5).ToArray(), spec, dtype, on);
            p.Backend.AdamStep(p.Storage, g.Storage, m.Storage, v.Storage, vmax.Storage, new AdamParameters(0.01, 0.9, 0.999, 1e-8, 0.02, Decoupled: true, Amsgrad: true, Step: 4, Maximize: false));
            return [p, m, v, vmax];
        }

        var expected = Run(Device.Cpu);
        var actual = Run(device);
        for (int i = 0; i < expected.Length; i++) AssertClose(expected[i], actual[i], $"state {i}");
    }
}
