using Autograd.NN;
using Xunit;

namespace Autograd.Tests.NN;

public sealed class LayerTests
{
    private static void AssertClose(float[] expected, float[] actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void Linear_Init_IsUniformWithinOneOverSqrtFanIn()
    {
        Tensor.ManualSeed(7);
        var layer = new Linear(400, 300);
        float bound = 1 / MathF.Sqrt(400);
        var w = layer.Weight.ToArray();
        var b = layer.Bias!.ToArray();

        Assert.Equal([300, 400], layer.Weight.Shape);
        Assert.Equal([300], layer.Bias.Shape);
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.All(b, v => Assert.InRange(v, -bound, bound));
        // U(-a, a) has mean 0 and variance a^2 / 3; 120k samples pin both down well.
        double mean = w.Average(v => (double)v);
        double variance = w.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -0.02 * bound, 0.02 * bound);
        Assert.InRange(variance, 0.97 * bound * bound / 3, 1.03 * bound * bound / 3);
        Assert.True(w.Max() > 0.99f * bound && w.Min() < -0.99f * bound);
        Assert.True(layer.Weight.RequiresGrad && layer.Bias.RequiresGrad);
    }

    [Fact]
    public void Linear_NoBias_HasOnlyWeight()
    {
        var layer = new Linear(3, 2, bias: false);

        Assert.Null(layer.Bias);
        Assert.Equal(["weight"], layer.NamedParameters().Select(p => p.Name));
    }

    [Fact]
    public void Linear_Forward_IsXWTransposePlusB()
    {
        var layer = new Linear(2, 2);
        layer.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["weight"] = Tensor.From(new float[] { 1, 2, 3, 4 }, 2, 2),
            ["bias"] = Tensor.From(new float[] { 0.5f, -1 }, 2),
        });

        var y = layer.Forward(Tensor.From(new float[] { 1, -1 }, 1, 2));

        Assert.Equal([-0.5f, -2f], y.ToArray());
    }

    [Fact]
    public void Conv2d_Init_UsesFanInOfInChannelsPerGroupTimesKernel()
    {
        Tensor.ManualSeed(3);
        var conv = new Conv2d(4, 6, (3, 2), groups: 2);
        double bound = 1 / Math.Sqrt(4 / 2 * 3 * 2);

        Assert.Equal([6, 2, 3, 2], conv.Weight.Shape);
        Assert.All(conv.Weight.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.All(conv.Bias!.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.Throws<ArgumentException>(() => new Conv2d(3, 6, 3, groups: 2));
    }

    [Fact]
    public void Conv2dAndPooling_Forward_HaveTheExpectedShapes()
    {
        var model = new Sequential(new Conv2d(1, 4, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Conv2d(4, 2, 3), new AvgPool2d(2), new Flatten());

        var y = model.Forward(Tensor.Randn(2, 1, 12, 12));

        // 12 -conv(p1)-> 12 -pool-> 6 -conv-> 4 -avgpool-> 2: [2, 2 * 2 * 2].
        Assert.Equal([2, 8], y.Shape);
    }

    [Fact]
    public void Dropout_TrainingZeroesAndRescalesEvalIsIdentity()
    {
        var dropout = new Dropout(0.25, new Generator(11));
        var x = Tensor.Ones(10_000);

        var trained = dropout.Forward(x).ToArray();
        dropout.Eval();
        var evaluated = dropout.Forward(x);

        Assert.All(trained, v => Assert.True(v == 0f || Math.Abs(v - (1 / 0.75f)) < 1e-6f));
        double zeroFraction = trained.Count(v => v == 0f) / (double)trained.Length;
        Assert.InRange(zeroFraction, 0.22, 0.28);
        Assert.All(evaluated.ToArray(), v => Assert.Equal(1f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5));
    }

    [Fact]
    public void BatchNorm1d_TrainThenEval_MatchesPyTorchRunningStatistics()
    {
        var x1 = Tensor.From(new float[] { 1, 2, -1, 0.5f, -3, 2, 4, 0, 0, -2, 1, 3 }, 4, 3);
        var x2 = x1 * 0.5 + 1.0;
        var bn = new BatchNorm1d(3);

        bn.Forward(x1);
        var y2 = bn.Forward(x2);
        bn.Eval();
        var yEval = bn.Forward(x1);

        // nn.BatchNorm1d(3) on the same two batches in PyTorch 1.13: running_mean, running_var, outputs.
        AssertClose([0.2224999964237213f, 0.10000000149011612f, 0.24000000953674316f], bn.RunningMean!.ToArray());
        AssertClose([1.5071874856948853f, 1.346666693687439f, 1.193333387374878f], bn.RunningVar!.ToArray());
        Assert.Equal(2L, bn.NumBatchesTracked!.ToArray<long>()[0]);
        AssertClose([0.05862081050872803f, 1.0690388679504395f, -1.2649009227752686f, -0.17586231231689453f, -1.6035583019256592f, 0.6324504613876343f, 1.4655195474624634f, 0.0f, -0.6324504613876343f, -1.3482779264450073f, 0.5345194339752197f, 1.2649009227752686f], y2.ToArray(), 1e-4f);
        AssertClose([0.633308470249176f, 1.63727605342865f, -1.1351126432418823f, 0.22603614628314972f, -2.6713452339172363f, 1.6111276149749756f, 3.0769424438476562f, -0.0861724242568016f, -0.21969923377037048f, -1.8103255033493042f, 0.7755518555641174f, 2.526540994644165f], yEval.ToArray(), 1e-4f);
    }

    [Fact]
    public void BatchNorm1d_NullMomentum_UsesCumulativeAverageLikePyTorch()
    {
        var x1 = Tensor.From(new float[] { 1, 2, -1, 0.5f, -3, 2, 4, 0, 0, -2, 1, 3 }, 4, 3);
        var bn = new BatchNorm1d(3, momentum: null);

        bn.Forward(x1);
        bn.Forward(x1 * 0.5 + 1.0);

        // nn.BatchNorm1d(3, momentum=None) in PyTorch 1.13.
        AssertClose([1.15625f, 0.5f, 1.25f], bn.RunningMean!.ToArray());
        AssertClose([3.7890625f, 2.9166665077209473f, 2.0833332538604736f], bn.RunningVar!.ToArray());
    }

    [Fact]
    public void BatchNorm_WrongRank_ThrowsNamingTheRank()
    {
        var error = Assert.Throws<ArgumentException>(() => new BatchNorm2d(3).Forward(Tensor.Randn(2, 3)));

        Assert.Contains("expected 4D input (got 2D input", error.Message);
    }

    [Fact]
    public void LayerNorm_Forward_NormalisesTheLastDimension()
    {
        var ln = new LayerNorm(4);

        var y = ln.Forward(Tensor.From(new float[] { 1, 2, 3, 4, -1, -1, 1, 1 }, 2, 4)).ToArray();

        // F.layer_norm over [1, 2, 3, 4] and [-1, -1, 1, 1] (eps 1e-5) in PyTorch 1.13.
        AssertClose([-1.3416354656219482f, -0.4472118616104126f, 0.4472118020057678f, 1.3416354656219482f, -0.9999951124191284f, -0.9999951124191284f, 0.9999951124191284f, 0.9999951124191284f], y, 1e-5f);
        Assert.Equal(["weight", "bias"], ln.NamedParameters().Select(p => p.Name));
    }

    [Fact]
    public void Embedding_InitIsStandardNormalAndForwardLooksUpRows()
    {
        Tensor.ManualSeed(5);
        var embedding = new Embedding(1000, 50);
        var w = embedding.Weight.ToArray();
        double mean = w.Average(v => (double)v);
        double variance = w.Average(v => (v - mean) * (v - mean));

        Assert.InRange(mean, -0.02, 0.02);
        Assert.InRange(variance, 0.97, 1.03);
        var rows = embedding.Forward(Tensor.From(new long[] { 3, 0, 3 }, 3));
        Assert.Equal([3, 50], rows.Shape);
        Assert.Equal(w.Skip(150).Take(50), rows.ToArray().Take(50));
        Assert.Equal(rows.ToArray().Take(50), rows.ToArray().Skip(100));
    }

    [Fact]
    public void Activations_MatchTheirTensorOps()
    {
        var x = Tensor.From(new float[] { -2, -0.5f, 0, 0.5f, 2 }, 1, 5);

        Assert.Equal(x.Relu().ToArray(), new ReLU().Forward(x).ToArray());
        Assert.Equal(x.LeakyRelu(0.2).ToArray(), new LeakyReLU(0.2).Forward(x).ToArray());
        Assert.Equal(x.Gelu().ToArray(), new GELU().Forward(x).ToArray());
        Assert.Equal(x.Gelu(tanhApproximation: true).ToArray(), new GELU("tanh").Forward(x).ToArray());
        Assert.Equal(x.Tanh().ToArray(), new Tanh().Forward(x).ToArray());
        Assert.Equal(x.Sigmoid().ToArray(), new Sigmoid().Forward(x).ToArray());
        Assert.Equal(x.Softmax(1).ToArray(), new Softmax(1).Forward(x).ToArray());
        Assert.Equal(x.LogSoftmax(-1).ToArray(), new LogSoftmax(-1).Forward(x).ToArray());
        Assert.Throws<ArgumentException>(() => new GELU("erf"));
    }

    [Fact]
    public void Losses_CallTheirFunctionalOps()
    {
        var input = Tensor.From(new float[] { 1, 2, 0.5f, -1, 0, 3 }, 2, 3);
        var classes = Tensor.From(new long[] { 2, 0 }, 2);
        var target = Tensor.From(new float[] { 0, 1, 1, 0, 1, 0 }, 2, 3);

        Assert.Equal(Functional.MseLoss(input, target).Item(), new MSELoss().Forward(input, target).Item());
        Assert.Equal(Functional.MseLoss(input, target, Reduction.Sum).Item(), new MSELoss(Reduction.Sum).Forward(input, target).Item());
        Assert.Equal(Functional.CrossEntropy(input, classes, Reduction.Mean, 0.1).Item(), new CrossEntropyLoss(labelSmoothing: 0.1).Forward(input, classes).Item());
        Assert.Equal(Functional.NllLoss(input.LogSoftmax(1), classes).Item(), new NLLLoss().Forward(input.LogSoftmax(1), classes).Item());
        var posWeight = Tensor.From(new float[] { 1, 2, 3 }, 3);
        Assert.Equal(Functional.BinaryCrossEntropyWithLogits(input, target, Reduction.Mean, posWeight).Item(), new BCEWithLogitsLoss(posWeight: posWeight).Forward(input, target).Item());

        // nn.MSELoss()(input, target) in PyTorch 1.13: mean of [1, 1, 0.25, 1, 1, 9] = 13.25 / 6.
        Assert.Equal(13.25f / 6, new MSELoss().Forward(input, target).Item(), 6);
    }
}
