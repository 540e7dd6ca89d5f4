using Autograd.NN;
using Xunit;

namespace Autograd.Tests.NN;

/// <summary>
/// Sequential runs a Conv2d, ReLU, MaxPool2d run on the CPU as one fused op (ConvReluPoolFusion): the same output and
/// parameter gradients as the modules one by one, one graph node for the three, and nothing fused out of that order.
/// </summary>
public sealed class ConvReluPoolFusionTests
{
    [Fact]
    public void Sequential_ConvReluPool_GivesTheModulesOneByOnesOutputAndGradients()
    {
        var model = new Sequential(
            new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2),
            new Conv2d(4, 6, 3, padding: 1), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(6 * 3 * 3, 5));
        var x = Tensor.Randn([9, 1, 14, 14], DType.Float32, generator: new Generator(80));

        var fused = OutputAndGradients(model, () => model.Forward(x));
        var oneByOne = OutputAndGradients(model, () => model.Aggregate(x, (t, m) => m.Forward(t)));

        // The bias gradients sum tile by tile, in another order; everything else comes out of the same kernels.
        double scale = oneByOne.Max(Math.Abs);
        Assert.Equal(oneByOne.Length, fused.Length);
        for (int i = 0; i < fused.Length; i++) Assert.True(Math.Abs(oneByOne[i] - fused[i]) <= 1e-6 * scale, $"value {i}: {oneByOne[i]} against {fused[i]}");
    }

    [Fact]
    public void Sequential_ConvReluPool_RecordsOneNodeForTheThree()
    {
        var model = new Sequential(new Conv2d(2, 3, 3), new ReLU(), new MaxPool2d(2));
        var y = model.Forward(Tensor.Randn([2, 2, 8, 8], DType.Float32, generator: new Generator(81)));

        Assert.Equal("ConvolutionReluMaxPool2DBackward0", y.GradFn!.Name);
    }

    [Fact]
    public void Sequential_AnotherOrder_RunsTheModulesOneByOne()
    {
        var model = new Sequential(new Conv2d(2, 3, 3), new MaxPool2d(2), new ReLU());
        var y = model.Forward(Tensor.Randn([2, 2, 8, 8], DType.Float32, generator: new Generator(82)));

        Assert.Equal("ReluBackward0", y.GradFn!.Name);
    }

    [Fact]
    public void Sequential_ConvReluPoolOnAnImageTooSmallForThePool_ThrowsThePoolsError()
    {
        var model = new Sequential(new Conv2d(2, 3, 3), new ReLU(), new MaxPool2d(3));
        var x = Tensor.Randn([1, 2, 4, 4], DType.Float32, generator: new Generator(83));

        var e = Assert.Throws<ArgumentException>(() => model.Forward(x));

        Assert.StartsWith("MaxPool2d: input of shape [1, 3, 2, 2]", e.Message);
    }

    private static double[] OutputAndGradients(Sequential model, Func<Tensor> forward)
    {
        model.ZeroGrad();
        var y = forward();
        var weights = Tensor.Randn(y.Shape, DType.Float32, generator: new Generator(84));
        (y * weights).Sum().Backward();
        var values = new List<double>(y.Detach().ToArray<float>().Select(v => (double)v));
        foreach (var p in model.Parameters()) values.AddRange(p.Grad!.ToArray<float>().Select(v => (double)v));
        return [.. values];
    }
}
