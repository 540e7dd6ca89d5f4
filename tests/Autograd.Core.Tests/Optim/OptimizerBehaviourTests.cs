using Autograd.NN;
using Autograd.Optim;
using Xunit;

namespace Autograd.Tests.Optim;

public sealed class OptimizerBehaviourTests
{
    private sealed class Net : Module
    {
        private readonly Linear _fc1 = new(4, 8);
        private readonly ReLU _relu = new();
        private readonly Linear _fc2 = new(8, 2);

        public override Tensor Forward(Tensor input) => _fc2.Forward(_relu.Forward(_fc1.Forward(input)));
    }

    private static readonly Func<IEnumerable<Tensor>, Optimizer>[] Makers =
    [
        ps => new SGD(ps, lr: 0.05f, momentum: 0.9f, nesterov: true),
        ps => new Adam(ps, lr: 0.01f, amsgrad: true),
        ps => new AdamW(ps, lr: 0.01f),
    ];

    public static TheoryData<int> OptimizerKinds() => [0, 1, 2];

    private static void TrainStep(Module model, Optimizer optimizer, Tensor x, Tensor y)
    {
        using var scope = new TensorScope();
        var loss = new MSELoss().Forward(model.Forward(x), y);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
    }

    [Theory]
    [MemberData(nameof(OptimizerKinds))]
    public void StateDict_RoundTripIntoFreshOptimizer_ContinuesExactlyAsUninterrupted(int kind)
    {
        Tensor.ManualSeed(0);
        var x = Tensor.Randn(16, 4);
        var y = Tensor.Randn(16, 2);
        var reference = new Net();
        var initial = reference.StateDict().ToDictionary(e => e.Key, e => e.Value.Clone());

        var uninterruptedOptimizer = Makers[kind](reference.Parameters());
        for (int i = 0; i < 4; i++) TrainStep(reference, uninterruptedOptimizer, x, y);

        var first = new Net();
        first.LoadStateDict(initial);
        var firstOptimizer = Makers[kind](first.Parameters());
        for (int i = 0; i < 2; i++) TrainStep(first, firstOptimizer, x, y);
        OptimizerStateDict saved;
        IReadOnlyDictionary<string, Tensor> savedModel;
        using (new TensorScope())
        {
            saved = firstOptimizer.StateDict();
            savedModel = first.StateDict();
            var resumed = new Net();
            resumed.LoadStateDict(savedModel);
            var resumedOptimizer = Makers[kind](resumed.Parameters());
            resumedOptimizer.LoadStateDict(saved);
            first = resumed;
            firstOptimizer = resumedOptimizer;
        }

        // The scope disposed the saved dicts; the resumed optimizer's state escaped it.
        Assert.All(firstOptimizer.State.Values.SelectMany(s => s.Tensors.Values), t => Assert.False(t.IsDisposed));
        for (int i = 0; i < 2; i++) TrainStep(first, firstOptimizer, x, y);

        foreach (var ((name, expected), (_, actual)) in reference.NamedParameters().Zip(first.NamedParameters()))
            Assert.True(expected.ToArray().SequenceEqual(actual.ToArray()), $"{name} differs after resuming");
    }

    [Fact]
    public void StateDict_Adam_HasPyTorchKeysStepsAndGroupOptions()
    {
        var net = new Net();
        var optimizer = new Adam(net.Parameters(), lr: 0.01f, amsgrad: true);
        for (int i = 0; i < 3; i++) TrainStep(net, optimizer, Tensor.Randn(2, 4), Tensor.Randn(2, 2));

        var state = optimizer.StateDict();

        Assert.Equal([0, 1, 2, 3], state.State.Keys);
        Assert.Equal(["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"], state.State[0].Keys);
        Assert.Equal(3L, state.State[0]["step"].ToArray<long>()[0]);
        var group = Assert.Single(state.ParamGroups);
        Assert.Equal([0, 1, 2, 3], group.Params);
        Assert.Equal(0.01, (double)group.Options["lr"]);
        Assert.Equal((0.9, 0.999), ((double, double))group.Options["betas"]);
        Assert.Equal(1e-8, (double)group.Options["eps"]);
        Assert.Equal(true, group.Options["amsgrad"]);
    }

    [Fact]
    public void LoadStateDict_WrongGroupLayout_Throws()
    {
        var net = new Net();
        var optimizer = new SGD(net.Parameters(), lr: 0.1f);
        var other = new SGD(net.Parameters().Take(2), lr: 0.1f);

        var error = Assert.Throws<ArgumentException>(() => optimizer.LoadStateDict(other.StateDict()));

        Assert.Contains("doesn't match the size of optimizer's group", error.Message);
    }

    [Fact]
    public void LoadStateDict_TakesSavedHyperParameters()
    {
        var net = new Net();
        var source = new SGD(net.Parameters(), lr: 0.3f, momentum: 0.5f);
        var target = new SGD(net.Parameters(), lr: 0.1f);

        target.LoadStateDict(source.StateDict());

        Assert.Equal(0.3, target.ParamGroups[0].Lr);
        Assert.Equal(0.5, target.ParamGroups[0].GetDouble("momentum"));
    }

    [Fact]
    public void ZeroGrad_DefaultSetsToNoneAndDisposesOldGrad()
    {
        var w = Tensor.Ones([3], DType.Float32, requiresGrad: true);
        var optimizer = new SGD([w], lr: 0.1f);
        (w * w).Sum().Backward();
        var oldGrad = w.Grad!;

        optimizer.ZeroGrad();

        Assert.Null(w.Grad);
        Assert.True(oldGrad.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => oldGrad.ToArray());
    }

    [Fact]
    public void ZeroGrad_NotSetToNone_KeepsZeroedGrad()
    {
        var w = Tensor.Ones([3], DType.Float32, requiresGrad: true);
        var optimizer = new Adam([w]);
        (w * w).Sum().Backward();
        var grad = w.Grad!;

        optimizer.ZeroGrad(setToNone: false);

        Assert.Same(grad, w.Grad);
        Assert.Equal([0f, 0f, 0f], grad.ToArray());
    }

    [Fact]
    public void Step_ParameterWithoutGrad_IsSkippedAndGetsNoState()
    {
        var a = Tensor.Ones([2], DType.Float32, requiresGrad: true);
        var b = Tensor.Ones([2], DType.Float32, requiresGrad: true);
        var optimizer = new Adam([a, b], lr: 0.1f);
        (a * 3).Sum().Backward();

        optimizer.Step();

        Assert.Equal([1f, 1f], b.ToArray());
        Assert.NotEqual(1f, a.ToArray()[0]);
        Assert.False(optimizer.State.ContainsKey(b));
    }

    [Fact]
    public void Step_BumpsParameterVersion_SoStaleGraphsAreDetected()
    {
        var w = Tensor.Ones([2], DType.Float32, requiresGrad: true);
        var optimizer = new SGD([w], lr: 0.1f);
        var y = (w * w).Sum();
        w.Grad = Tensor.Ones(2);
        int before = w.Version;

        optimizer.Step();

        Assert.Equal(before + 1, w.Version);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
    }

    [Fact]
    public void StateTensors_CreatedInsideScope_EscapeIt()
    {
        var w = Tensor.Ones([2], DType.Float32, requiresGrad: true);
        var optimizer = new SGD([w], lr: 0.1f, momentum: 0.9f);
        using (new TensorScope())
        {
            (w * w).Sum().Backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }

        var buffer = optimizer.State[w].Tensors["momentum_buffer"];
        Assert.False(buffer.IsDisposed);
        Assert.Equal([2f, 2f], buffer.ToArray());
    }

    [Fact]
    public void ParamGroups_OwnLearningRates_AreUsedPerGroup()
    {
        var a = Tensor.Ones([1], DType.Float32, requiresGrad: true);
        var b = Tensor.Ones([1], DType.Float32, requiresGrad: true);
        var optimizer = new SGD([new ParamGroup([a]), new ParamGroup([b], lr: 0.5) { ["momentum"] = 0.0 }], lr: 0.1f);
        a.Grad = Tensor.Ones(1);
        b.Grad = Tensor.Ones(1);

        optimizer.Step();

        Assert.Equal(0.9f, a.ToArray()[0], 6);
        Assert.Equal(0.5f, b.ToArray()[0], 6);
        Assert.Equal(0.1, optimizer.ParamGroups[0].Lr);
        Assert.Throws<ArgumentException>(() => optimizer.AddParamGroup(new ParamGroup([a])));
    }

    [Fact]
    public void FloatHyperParameters_ReadAsTheirDecimal()
    {
        var optimizer = new SGD([Tensor.Ones([1], DType.Float32, requiresGrad: true)], lr: 0.01f, momentum: 0.9f);

        Assert.Equal(0.01, optimizer.ParamGroups[0].Lr);
        Assert.Equal(0.9, optimizer.ParamGroups[0].GetDouble("momentum"));
    }

    [Fact]
    public void Step_WithClosure_EvaluatesLossThenSteps()
    {
        var w = Tensor.Ones([1], DType.Float32, requiresGrad: true);
        var optimizer = new SGD([w], lr: 0.25f);

        var loss = optimizer.Step(() =>
        {
            optimizer.ZeroGrad();
            var l = (w * w).Sum();
            l.Backward();
            return l;
        });

        Assert.Equal(1f, loss.Item());
        Assert.Equal(0.5f, w.ToArray()[0]);
    }

    public static TheoryData<string, string> InvalidHyperParameters() => new()
    {
        { "sgd-lr", "lr" },
        { "sgd-momentum", "momentum" },
        { "sgd-weight-decay", "weightDecay" },
        { "sgd-nesterov", "nesterov" },
        { "adam-lr", "lr" },
        { "adam-beta1", "betas" },
        { "adam-beta2", "betas" },
        { "adam-eps", "eps" },
        { "adamw-weight-decay", "weightDecay" },
    };

    [Theory]
    [MemberData(nameof(InvalidHyperParameters))]
    public void Constructor_InvalidHyperParameter_ThrowsNamingTheField(string kind, string field)
    {
        Tensor[] ps = [Tensor.Ones([1], DType.Float32, requiresGrad: true)];
        Action make = kind switch
        {
            "sgd-lr" => () => _ = new SGD(ps, lr: -0.1f),
            "sgd-momentum" => () => _ = new SGD(ps, lr: 0.1f, momentum: -1f),
            "sgd-weight-decay" => () => _ = new SGD(ps, lr: 0.1f, weightDecay: -1f),
            "sgd-nesterov" => () => _ = new SGD(ps, lr: 0.1f, momentum: 0.9f, dampening: 0.1f, nesterov: true),
            "adam-lr" => () => _ = new Adam(ps, lr: -1f),
            "adam-beta1" => () => _ = new Adam(ps, betas: (1.0f, 0.999f)),
            "adam-beta2" => () => _ = new Adam(ps, betas: (0.9f, -0.1f)),
            "adam-eps" => () => _ = new Adam(ps, eps: -1e-8f),
            _ => () => _ = new AdamW(ps, weightDecay: -0.01f),
        };

        var error = Assert.ThrowsAny<ArgumentException>(make);

        Assert.Equal(field, error.ParamName);
    }

    [Fact]
    public void Constructor_EmptyOrNonLeafParameters_Throw()
    {
        Assert.Throws<ArgumentException>(() => new SGD(Array.Empty<Tensor>(), lr: 0.1f));
        var leaf = Tensor.Ones([1], DType.Float32, requiresGrad: true);
        Assert.Throws<ArgumentException>(() => new Adam([leaf * 2]));
        Assert.Throws<ArgumentException>(() => new Adam([leaf, leaf]));
    }

    [Fact]
    public void Step_Float64Parameters_Work()
    {
        var w = Tensor.From(new double[] { 1, 2 }, [2], requiresGrad: true);
        var optimizer = new Adam([w], lr: 0.1f);
        w.Grad = Tensor.From(new double[] { 1, -1 }, 2);

        optimizer.Step();

        // Adam's first step moves each element by lr * sign(g) (up to eps).
        Assert.Equal([0.9, 2.1], w.ToArray<double>().Select(v => Math.Round(v, 6)));
    }
}
