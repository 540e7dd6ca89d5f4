using Autograd.Optim;
using Xunit;

namespace Autograd.Tests.Optim;

/// <summary>
/// Each scheduler's learning rates against PyTorch 1.13, step by step: an SGD optimizer with two groups
/// (lr 0.1 and 0.5), <c>get_last_lr()</c> after construction and after each <c>optimizer.step(); scheduler.step()</c>.
/// torch_reference.py beside this file prints the expected values.
/// </summary>
public sealed class LrSchedulerTests
{
    private static SGD MakeOptimizer() =>
        new([new ParamGroup([Tensor.Zeros([1], DType.Float32, requiresGrad: true)]), new ParamGroup([Tensor.Zeros([1], DType.Float32, requiresGrad: true)], lr: 0.5)], lr: 0.1f);

    private static void AssertSchedule(Func<SGD, LrScheduler> make, double[][] expected)
    {
        var optimizer = MakeOptimizer();
        var scheduler = make(optimizer);
        for (int step = 0; step < expected.Length; step++)
        {
            if (step > 0)
            {
                optimizer.Step();
                scheduler.Step();
            }

            var actual = scheduler.GetLastLr();
            Assert.Equal(2, actual.Count);
            for (int g = 0; g < 2; g++)
            {
                // PyTorch's arithmetic is reproduced operation for operation, so the doubles are identical.
                Assert.True(actual[g] == expected[step][g], $"step {step}, group {g}: expected {expected[step][g]:R}, got {actual[g]:R}");
                Assert.Equal(actual[g], optimizer.ParamGroups[g].Lr);
            }
        }
    }

    // torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    [Fact]
    public void StepLR_MatchesPyTorch() => AssertSchedule(o => new StepLR(o, stepSize: 3, gamma: 0.5), StepLRExpected);

    // torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=0.01), past T_max so it climbs back
    [Fact]
    public void CosineAnnealingLR_MatchesPyTorch() => AssertSchedule(o => new CosineAnnealingLR(o, tMax: 5, etaMin: 0.01), CosineAnnealingLRExpected);

    // torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=4)
    [Fact]
    public void LinearLR_MatchesPyTorch() => AssertSchedule(o => new LinearLR(o, startFactor: 0.25, totalIters: 4), LinearLRExpected);

    // SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=3), CosineAnnealingLR(opt, T_max=5, eta_min=0.001)], milestones=[3])
    [Fact]
    public void SequentialLR_WarmupThenCosine_MatchesPyTorch() =>
        AssertSchedule(o => new SequentialLR(o, [new LinearLR(o, startFactor: 0.1, totalIters: 3), new CosineAnnealingLR(o, tMax: 5, etaMin: 0.001)], milestones: [3]), SequentialLRExpected);

    [Fact]
    public void Scheduler_SetsInitialLrOnceAndTheOptimizerUsesTheScheduledRate()
    {
        var w = Tensor.Ones([1], DType.Float32, requiresGrad: true);
        var optimizer = new SGD([w], lr: 1f);
        var scheduler = new LinearLR(optimizer, startFactor: 0.5, totalIters: 2);
        w.Grad = Tensor.Ones(1);

        optimizer.Step();

        Assert.Equal(0.5f, w.ToArray()[0]);
        Assert.Equal(1.0, optimizer.ParamGroups[0].GetDouble("initial_lr"));
        scheduler.Step();
        Assert.Equal(0.75, optimizer.ParamGroups[0].Lr);
    }

    [Fact]
    public void Constructors_InvalidArguments_Throw()
    {
        var optimizer = MakeOptimizer();

        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLR(optimizer, startFactor: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLR(optimizer, endFactor: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(optimizer, stepSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(optimizer, tMax: 0));
        Assert.Throws<ArgumentException>(() => new SequentialLR(optimizer, [new StepLR(optimizer, 2)], milestones: [3]));
        Assert.Throws<ArgumentException>(() => new SequentialLR(optimizer, [new StepLR(optimizer, 2), new StepLR(MakeOptimizer(), 2)], milestones: [3]));
        Assert.Throws<ArgumentException>(() => new StepLR(MakeOptimizer(), 2, lastEpoch: 4));
    }

    private static readonly double[][] StepLRExpected =
    [
        [0.1, 0.5],
        [0.1, 0.5],
        [0.1, 0.5],
        [0.05, 0.25],
        [0.05, 0.25],
        [0.05, 0.25],
        [0.025, 0.125],
        [0.025, 0.125],
        [0.025, 0.125],
        [0.0125, 0.0625],
        [0.0125, 0.0625],
    ];

    private static readonly double[][] CosineAnnealingLRExpected =
    [
        [0.1, 0.5],
        [0.09140576474687263, 0.45320916362186214],
        [0.06890576474687263, 0.33070916362186215],
        [0.04109423525312736, 0.1792908363781379],
        [0.018594235253127367, 0.0567908363781379],
        [0.01, 0.01],
        [0.018594235253127367, 0.05679083637813787],
        [0.04109423525312739, 0.17929083637813795],
        [0.06890576474687267, 0.33070916362186226],
        [0.09140576474687269, 0.45320916362186237],
        [0.10000000000000006, 0.5000000000000002],
        [0.09140576474687272, 0.4532091636218625],
        [0.06890576474687268, 0.3307091636218623],
    ];

    private static readonly double[][] LinearLRExpected =
    [
        [0.025, 0.125],
        [0.043750000000000004, 0.21875],
        [0.06250000000000001, 0.3125],
        [0.08125000000000002, 0.40625],
        [0.10000000000000002, 0.5],
        [0.10000000000000002, 0.5],
        [0.10000000000000002, 0.5],
        [0.10000000000000002, 0.5],
    ];

    private static readonly double[][] SequentialLRExpected =
    [
        [0.010000000000000002, 0.05],
        [0.04, 0.19999999999999998],
        [0.07, 0.35],
        [0.1, 0.5],
        [0.0905463412215599, 0.4523497400965494],
        [0.06579634122155989, 0.32759974009654935],
        [0.035203658778440096, 0.1734002599034506],
        [0.010453658778440105, 0.04865025990345063],
        [0.001, 0.001],
        [0.010453658778440102, 0.048650259903450614],
        [0.03520365877844012, 0.17340025990345068],
    ];
}
