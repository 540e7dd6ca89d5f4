using Autograd.NN;
using Autograd.Optim;
using Xunit;

namespace Autograd.Tests.NN;

public sealed class ModuleTests
{
    /// <summary>The seed notebook's network, as a user writes it.</summary>
    private sealed class MyNet : Module
    {
        private readonly Linear fc1 = new(inFeatures: 5, outFeatures: 3);
        private readonly ReLU relu = new();
        private readonly Linear fc2 = new(inFeatures: 3, outFeatures: 1);

        public override Tensor Forward(Tensor x) => fc2.Forward(relu.Forward(fc1.Forward(x)));
    }

    /// <summary>Naming rules: underscore fields, auto-properties, buffers, plain tensors, registered members.</summary>
    private class Block : Module
    {
        private readonly Linear _proj = new(2, 2);

        public Block()
        {
            RegisterParameter("scale", Tensor.Ones(2));
            RegisterBuffer("counter", Tensor.Zeros(1));
            RegisterBuffer("scratch", Tensor.Zeros(1), persistent: false);
        }

        public Linear Head { get; } = new(2, 1);

        [Buffer]
        public Tensor Offset { get; } = Tensor.Full([2], 0.5);

        public Tensor NotAParameter { get; } = Tensor.Ones(3);

        public Tensor Gain { get; } = Tensor.Ones([1], DType.Float32, requiresGrad: true);

        public override Tensor Forward(Tensor input) => Head.Forward(_proj.Forward(input) * GetParameter("scale") + Offset) * Gain;
    }

    private sealed class DerivedBlock : Block
    {
        private readonly Linear _extra = new(1, 1);

        public override Tensor Forward(Tensor input) => _extra.Forward(base.Forward(input));
    }

    private sealed class Tied : Module
    {
        private readonly Linear _a = new(3, 3);
        private readonly Linear _b;

        public Tied() => _b = _a;

        public override Tensor Forward(Tensor input) => _b.Forward(_a.Forward(input));
    }

    [Fact]
    public void SeedExample_RunsLineForLine_PrintsGradientsAndLoss()
    {
        var output = new StringWriter();
        Tensor.ManualSeed(1);

        var model = new MyNet();
        var input = Tensor.Randn(1, 5); var target = Tensor.Randn(1, 1);
        var criterion = new MSELoss();
        var optimizer = new SGD(model.Parameters(), lr: 0.01f);
        var output1 = model.Forward(input);
        var loss = criterion.Forward(output1, target);
        optimizer.ZeroGrad(); loss.Backward();
        foreach (var (name, p) in model.NamedParameters()) output.WriteLine($"Gradient for {name}: {p.Grad}");
        var before = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.ToArray());
        optimizer.Step();
        output.WriteLine(loss.Item());

        string text = output.ToString();
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        Assert.Contains("Gradient for fc1.weight: tensor([[", text);
        Assert.Contains("Gradient for fc1.bias: tensor([", text);
        Assert.Contains("Gradient for fc2.weight: tensor([[", text);
        Assert.Contains("Gradient for fc2.bias: tensor([", text);
        Assert.True(loss.Item() > 0);
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], model.NamedParameters().Select(p => p.Name));

        // SGD moved every parameter by -lr * grad.
        foreach (var (name, p) in model.NamedParameters())
        {
            var expected = before[name].Zip(p.Grad!.ToArray(), (w, g) => w - (0.01f * g)).ToArray();
            Assert.Equal(expected, p.ToArray(), (a, b) => Math.Abs(a - b) <= 1e-7f);
        }
    }

    [Fact]
    public void ToString_SeedNet_PrintsLikePyTorch()
    {
        // print(MyNet()) in PyTorch 1.13.
        const string expected = "MyNet(\n  (fc1): Linear(in_features=5, out_features=3, bias=True)\n  (relu): ReLU()\n  (fc2): Linear(in_features=3, out_features=1, bias=True)\n)";
        Assert.Equal(expected, new MyNet().ToString());
    }

    [Fact]
    public void ToString_EveryLayer_MatchesPyTorchRepr()
    {
        var model = new Sequential(
            new Conv2d(1, 32, 3),
            new Conv2d(4, 8, (3, 5), stride: 2, padding: (1, 2), groups: 2, bias: false),
            new MaxPool2d(2),
            new MaxPool2d((2, 3), stride: 1),
            new AvgPool2d(2),
            new Flatten(),
            new LeakyReLU(),
            new GELU(approximate: "tanh"),
            new Tanh(),
            new Sigmoid(),
            new Softmax(dim: 1),
            new LogSoftmax(dim: -1),
            new Dropout(0.25),
            new LayerNorm(10),
            new LayerNorm([4, 5], eps: 1e-6, elementwiseAffine: false),
            new BatchNorm1d(16),
            new BatchNorm2d(8, momentum: null, affine: false),
            new Embedding(10, 3),
            new Linear(4, 2, bias: false),
            new Sequential(new Linear(1, 1)));

        // print(...) of the same nn.Sequential in PyTorch 1.13.
        const string expected = """
            Sequential(
              (0): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))
              (1): Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), groups=2, bias=False)
              (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
              (3): MaxPool2d(kernel_size=(2, 3), stride=1, padding=0, dilation=1, ceil_mode=False)
              (4): AvgPool2d(kernel_size=2, stride=2, padding=0)
              (5): Flatten(start_dim=1, end_dim=-1)
              (6): LeakyReLU(negative_slope=0.01)
              (7): GELU(approximate='tanh')
              (8): Tanh()
              (9): Sigmoid()
              (10): Softmax(dim=1)
              (11): LogSoftmax(dim=-1)
              (12): Dropout(p=0.25, inplace=False)
              (13): LayerNorm((10,), eps=1e-05, elementwise_affine=True)
              (14): LayerNorm((4, 5), eps=1e-06, elementwise_affine=False)
              (15): BatchNorm1d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
              (16): BatchNorm2d(8, eps=1e-05, momentum=None, affine=False, track_running_stats=True)
              (17): Embedding(10, 3)
              (18): Linear(in_features=4, out_features=2, bias=False)
              (19): Sequential(
                (0): Linear(in_features=1, out_features=1, bias=True)
              )
            )
            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), model.ToString());
        Assert.Equal("MSELoss()", new MSELoss().ToString());
    }

    [Fact]
    public void NamedParameters_NestedAndSequential_UsePyTorchDottedNames()
    {
        var model = new Sequential(new Linear(2, 3), new ReLU(), new Sequential(new Linear(3, 3), new Linear(3, 1, bias: false)));

        Assert.Equal(["0.weight", "0.bias", "2.0.weight", "2.0.bias", "2.1.weight"], model.NamedParameters().Select(p => p.Name));
        Assert.Equal(6L + 3 + 9 + 3 + 3, model.NumParameters);
        Assert.Equal(["", "0", "1", "2", "2.0", "2.1"], model.NamedModules().Select(m => m.Name));
        Assert.Equal(["0", "1", "2"], model.NamedChildren().Select(c => c.Name));
    }

    private sealed class WithLayers : Module
    {
        public Sequential Layers { get; } = new(new Linear(4, 4), new ReLU(), new Linear(4, 2));

        public override Tensor Forward(Tensor input) => Layers.Forward(input);
    }

    [Fact]
    public void NamedParameters_SequentialProperty_PrefixesWithLoweredPropertyName()
    {
        Assert.Equal(["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"], new WithLayers().NamedParameters().Select(p => p.Name));
    }

    [Fact]
    public void Discovery_FieldsPropertiesAndRegistrations_FollowNamingAndOrderRules()
    {
        var block = new Block();

        // Fields in declaration order (backing fields included), requiring-grad tensors only, then registered ones.
        Assert.Equal(["gain", "scale", "proj.weight", "proj.bias", "head.weight", "head.bias"], block.NamedParameters().Select(p => p.Name));
        Assert.Equal(["offset", "counter", "scratch"], block.NamedBuffers().Select(b => b.Name));
        Assert.Equal(["proj", "head"], block.NamedChildren().Select(c => c.Name));

        // Non-persistent buffers stay out of the state dict; plain tensors are not state at all.
        Assert.Equal(["gain", "scale", "offset", "counter", "proj.weight", "proj.bias", "head.weight", "head.bias"], block.StateDict().Keys);
    }

    [Fact]
    public void Discovery_DerivedClass_ListsBaseClassMembersFirst()
    {
        var names = new DerivedBlock().NamedParameters().Select(p => p.Name).ToList();

        Assert.Equal(["gain", "scale", "proj.weight", "proj.bias", "head.weight", "head.bias", "extra.weight", "extra.bias"], names);
    }

    [Fact]
    public void NamedParameters_SharedModule_ListedOnceButStateDictHasBothNames()
    {
        var tied = new Tied();

        Assert.Equal(["a.weight", "a.bias"], tied.NamedParameters().Select(p => p.Name));
        Assert.Equal(["a.weight", "a.bias", "b.weight", "b.bias"], tied.StateDict().Keys);
        Assert.Equal(2, tied.Modules().Count());
    }

    [Fact]
    public void RegisterMembers_BadNames_Throw()
    {
        var block = new Block();

        Assert.Throws<ArgumentException>(() => block.RegisterModule("a.b", new ReLU()));
        Assert.Throws<ArgumentException>(() => block.RegisterModule("", new ReLU()));
        Assert.Throws<ArgumentException>(() => block.RegisterModule("head", new ReLU()));
        Assert.Throws<ArgumentException>(() => block.RegisterBuffer("scale", Tensor.Zeros(1)));
        var nonLeaf = Tensor.Ones([2], DType.Float32, requiresGrad: true) * 2;
        var error = Assert.Throws<ArgumentException>(() => block.RegisterParameter("w", nonLeaf));
        Assert.Contains("non-leaf", error.Message);
    }

    [Fact]
    public void BatchNorm_StateDict_HoldsPyTorchBufferNames()
    {
        var model = new Sequential(new Linear(3, 4), new BatchNorm1d(4));

        // list(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).state_dict().keys()) in PyTorch 1.13.
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"], model.StateDict().Keys);
        Assert.Equal(["1.running_mean", "1.running_var", "1.num_batches_tracked"], model.NamedBuffers().Select(b => b.Name));
        var tracked = model.StateDict()["1.num_batches_tracked"];
        Assert.Equal(DType.Int64, tracked.DType);
        Assert.Empty(tracked.Shape);
    }

    [Fact]
    public void TrainEval_SetsModeRecursively()
    {
        var model = new Sequential(new Linear(2, 2), new Sequential(new Dropout(), new BatchNorm1d(2)));

        model.Eval();
        Assert.All(model.Modules(), m => Assert.False(m.Training));
        model.Train();
        Assert.All(model.Modules(), m => Assert.True(m.Training));
    }

    [Fact]
    public void ZeroGrad_SetToNone_DisposesOldGradAndLeavesNull()
    {
        var model = new MyNet();
        model.Forward(Tensor.Randn(2, 5)).Sum().Backward();
        var oldGrads = model.Parameters().Select(p => p.Grad!).ToList();

        model.ZeroGrad();

        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
        Assert.All(oldGrads, g => Assert.True(g.IsDisposed));
        Assert.Throws<ObjectDisposedException>(() => oldGrads[0].ToArray());
    }

    [Fact]
    public void ZeroGrad_NotSetToNone_ZeroesInPlace()
    {
        var model = new MyNet();
        model.Forward(Tensor.Randn(2, 5)).Sum().Backward();
        var grads = model.Parameters().Select(p => p.Grad!).ToList();

        model.ZeroGrad(setToNone: false);

        Assert.All(model.Parameters().Zip(grads), pair => Assert.Same(pair.Second, pair.First.Grad));
        Assert.All(grads, g => Assert.All(g.ToArray(), v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void ModelBuiltInsideScope_SurvivesTheScope()
    {
        Module model;
        using (new TensorScope())
        {
            model = new Sequential(new Linear(3, 2), new BatchNorm1d(2), new LayerNorm(2), new Embedding(4, 2));
        }

        Assert.All(model.StateDict().Values, t => Assert.False(t.IsDisposed));
        Assert.Equal(6, model.Parameters().First().ToArray().Length);
    }

    [Fact]
    public void ToDType_ConvertsParametersAndFloatBuffersKeepsIntBuffersAndSharing()
    {
        var tied = new Tied();
        var bn = new BatchNorm1d(3);
        tied.RegisterModule("bn", bn);
        var oldWeight = tied.NamedParameters().First().Parameter;
        tied.Forward(Tensor.Randn(2, 3)).Sum().Backward();
        var oldValues = oldWeight.ToArray();

        tied.To(DType.Float64);

        Assert.All(tied.Parameters(), p => { Assert.Equal(DType.Float64, p.DType); Assert.True(p.RequiresGrad); Assert.True(p.IsLeaf); });
        Assert.Equal(DType.Float64, tied.GetParameter("a.weight").Grad!.DType);
        Assert.Equal(DType.Float64, tied.GetParameter("a.bias").Grad!.DType);
        Assert.Equal(DType.Float64, bn.RunningMean!.DType);
        Assert.Equal(DType.Int64, bn.NumBatchesTracked!.DType);
        Assert.True(oldWeight.IsDisposed);
        var state = tied.StateDict();
        Assert.Equal(oldValues.Select(v => (double)v), state["a.weight"].ToArray<double>());
        Assert.Equal(state["a.weight"].ToArray<double>(), state["b.weight"].ToArray<double>());
        Assert.Same(tied.GetParameter("a.weight"), tied.GetParameter("b.weight"));
        Assert.Equal(DType.Float64, tied.Forward(Tensor.Randn([1, 3], DType.Float64)).DType);
    }

    [Fact]
    public void OptimizerBuiltBeforeTo_ThrowsObjectDisposedOnStep()
    {
        var model = new MyNet();
        var optimizer = new SGD(model.Parameters(), lr: 0.1f);
        model.To(DType.Float64);
        model.Forward(Tensor.Randn([1, 5], DType.Float64)).Sum().Backward();

        Assert.All(optimizer.ParamGroups[0].Params, p => Assert.True(p.IsDisposed));
        var error = Assert.Throws<ObjectDisposedException>(optimizer.Step);
        Assert.Contains("build the optimizer after moving the model", error.Message);
        var fresh = new SGD(model.Parameters(), lr: 0.1f);
        fresh.Step();
        Assert.All(model.Parameters(), p => Assert.False(p.IsDisposed));
    }

    [Fact]
    public void ToDevice_SameDevice_KeepsTensors()
    {
        var model = new MyNet();
        var before = model.Parameters().ToList();

        model.To(Device.Cpu);

        Assert.Equal(before, model.Parameters());
        Assert.All(before, p => Assert.False(p.IsDisposed));
    }

    [Fact]
    public void Apply_VisitsChildrenBeforeParent()
    {
        var model = new Sequential(new Linear(1, 1), new Sequential(new ReLU()));
        var visited = new List<string>();

        model.Apply(m => visited.Add(m.GetType().Name));

        Assert.Equal(["Linear", "ReLU", "Sequential", "Sequential"], visited);
    }

    [Fact]
    public void Apply_InitialisesWeights()
    {
        var model = new Sequential(new Linear(3, 3), new ReLU(), new Linear(3, 2));

        model.Apply(m =>
        {
            if (m is Linear linear)
            {
                Init.Constant_(linear.Weight, 0.5);
                Init.Zeros_(linear.Bias!);
            }
        });

        Assert.All(model.Parameters().Where(p => p.Dim == 2), w => Assert.All(w.ToArray(), v => Assert.Equal(0.5f, v)));
    }

    [Fact]
    public void GetSubmoduleAndGetParameter_DottedPaths_Resolve()
    {
        var model = new WithLayers();

        Assert.IsType<Linear>(model.GetSubmodule("layers.2"));
        Assert.Equal([2, 4], model.GetParameter("layers.2.weight").Shape);
        Assert.Throws<ArgumentException>(() => model.GetSubmodule("layers.7"));
        Assert.Throws<ArgumentException>(() => model.GetParameter("layers.0.nope"));
    }

    [Fact]
    public void Sequential_IndexerCountAndCollectionInitializer_Work()
    {
        var model = new Sequential { new Linear(2, 3), new ReLU() };
        model.Add(new Linear(3, 1));

        Assert.Equal(3, model.Count);
        Assert.IsType<ReLU>(model[1]);
        Assert.IsType<Linear>(model[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => model[3]);
        Assert.Equal([4, 1], model.Forward(Tensor.Randn(4, 2)).Shape);
    }

    [Fact]
    public void FrozenFieldParameter_LeavesParametersButRegisteredOneStays()
    {
        var block = new Block();
        block.Head.Weight.RequiresGrad = false;
        block.GetParameter("scale").RequiresGrad = false;

        var names = block.NamedParameters().Select(p => p.Name).ToList();

        Assert.DoesNotContain("head.weight", names);
        Assert.Contains("scale", names);
    }
}
