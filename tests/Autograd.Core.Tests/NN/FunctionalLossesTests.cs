using Autograd.NN;
using Autograd.Tests.Support;
using Xunit;
using static Autograd.Tests.NN.FunctionalTestInputs;

namespace Autograd.Tests.NN;

/// <summary>
/// Losses against PyTorch 1.13 (functional_reference.py) for every reduction, and gradcheck. Logits are
/// seq([4, 5]) * 2 with targets [1, 0, 4, 2]; regression pairs are seq([3, 4]) and seq([3, 4], 0.91, 0.5).
/// </summary>
public sealed class FunctionalLossesTests
{
    private static Tensor Logits(bool requiresGrad = false) => Seq([4, 5], requiresGrad: requiresGrad) * 2;

    private static Tensor Targets() => Tensor.From(new long[] { 1, 0, 4, 2 });

    /// <summary>seq([3, 4]) * 3 with element 0 set to exactly 0 (where |x| and max(x, 0) have no derivative).</summary>
    private static Tensor BceLogits(bool requiresGrad = false)
    {
        var values = (Seq([3, 4]) * 3).ToArray<double>();
        values[0] = 0;
        return Tensor.From(values, [3, 4], requiresGrad);
    }

    private static Tensor BceTargets() => Seq([3, 4], 0.91, 0.5).Abs();

    private static Tensor PosWeight() => Tensor.From(new[] { 0.5, 1.0, 2.0, 3.0 });

    public static TheoryData<Reduction> Reductions => new() { Reduction.None, Reduction.Mean, Reduction.Sum };

    [Fact]
    public void MseLoss_EachReduction_MatchesPyTorch()
    {
        // F.mse_loss(seq([3,4]), seq([3,4], 0.91, 0.5), reduction=...)
        var x = Seq([3, 4]);
        var t = Seq([3, 4], 0.91, 0.5);
        AssertClose([0.1440901791, 0.2853844008, 0.0001540496997, 1.048388063, 3.387687066, 3.506287647, 1.102122054, 0.01376218076, 0.8386208742, 0.911734963, 0.191433472, 0.000780034147], Functional.MseLoss(x, t, Reduction.None));
        AssertClose([0.9525370819], Functional.MseLoss(x, t));
        AssertClose([11.43044498], Functional.MseLoss(x, t, Reduction.Sum));
        Assert.Equal(0, Functional.MseLoss(x, t).Dim);
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void MseLoss_GradCheck(Reduction reduction)
    {
        GradCheck.Check(t => Functional.MseLoss(t[0], t[1], reduction), GradCheck.Input(60, 3, 4), GradCheck.Input(61, 3, 4));
    }

    [Fact]
    public void MseLoss_ShapeMismatch_ThrowsNamingBothShapesInsteadOfBroadcasting()
    {
        var message = ThrowsNaming("MseLoss", () => Functional.MseLoss(Seq([4, 3]), Seq([4])));
        Assert.Contains("[4, 3]", message);
        Assert.Contains("[4]", message);
        ThrowsNaming("MseLoss", () => Functional.MseLoss(Seq([4, 1]), Seq([4])));
    }

    [Fact]
    public void MseLoss_IntegerTarget_Throws()
    {
        ThrowsNaming("MseLoss", () => Functional.MseLoss(Seq([4]), Tensor.From(new long[] { 1, 2, 3, 4 })));
    }

    [Fact]
    public void CrossEntropy_EachReduction_MatchesPyTorch()
    {
        // F.cross_entropy(seq([4,5])*2, tensor([1,0,4,2]), reduction=...)
        AssertClose([2.185883016, 0.8415891559, 1.624256201, 1.99686795], Functional.CrossEntropy(Logits(), Targets(), Reduction.None));
        AssertClose([1.662149081], Functional.CrossEntropy(Logits(), Targets()));
        AssertClose([6.648596322], Functional.CrossEntropy(Logits(), Targets(), Reduction.Sum));
    }

    [Fact]
    public void CrossEntropy_LabelSmoothing_EachReduction_MatchesPyTorch()
    {
        // F.cross_entropy(seq([4,5])*2, tensor([1,0,4,2]), reduction=..., label_smoothing=0.1)
        AssertClose([2.147142814, 0.9515944317, 1.626708244, 1.99967571], Functional.CrossEntropy(Logits(), Targets(), Reduction.None, 0.1));
        AssertClose([1.6812803], Functional.CrossEntropy(Logits(), Targets(), Reduction.Mean, 0.1));
        AssertClose([6.7251212], Functional.CrossEntropy(Logits(), Targets(), Reduction.Sum, 0.1));
    }

    [Fact]
    public void CrossEntropy_SpatialInput_MatchesPyTorch()
    {
        // logits = seq([2,3,4])*2; target = tensor([[0,2,1,1],[2,2,0,1]]); F.cross_entropy(logits, target, ...)
        var logits = Seq([2, 3, 4]) * 2;
        var target = Tensor.From(new long[] { 0, 2, 1, 1, 2, 2, 0, 1 }, 2, 4);
        AssertClose([1.480235715], Functional.CrossEntropy(logits, target));
        var none = Functional.CrossEntropy(logits, target, Reduction.None);
        Assert.Equal([2, 4], none.Shape);
        AssertClose([2.081333769, 2.814908853, 0.7386647108, 1.332199023, 0.1065291053, 0.1710833803, 3.891024984, 0.7061418981], none);
        AssertClose([12.31903256], Functional.CrossEntropy(logits, target, Reduction.Sum, 0.2));
    }

    [Fact]
    public void CrossEntropy_UnbatchedInput_MatchesPyTorch()
    {
        // F.cross_entropy(seq([5])*2, tensor(3))
        AssertClose([1.220423584], Functional.CrossEntropy(Seq([5]) * 2, Tensor.From(new long[] { 3 }).Reshape()));
    }

    [Fact]
    public void CrossEntropy_ProbabilityTargets_MatchPyTorch()
    {
        // probs = F.softmax(seq([4,5], 0.91, 0.5)*3, 1); F.cross_entropy(logits, probs[, reduction='none', label_smoothing=0.25])
        var probabilities = (Seq([4, 5], 0.91, 0.5) * 3).Softmax(1);
        AssertClose([0.1262285808, 0.578893246, 0.2694848337, 0.02298728177, 0.002406057631, 0.00178149394, 0.01165030794, 0.1590522113, 0.6017801209, 0.2257358659, 0.07676749556, 0.009120644428, 0.008414324399, 0.0641506699, 0.8415468657, 0.7495261173, 0.2282358257, 0.01715935158, 0.002351511294, 0.002727194144], probabilities);
        AssertClose([2.369630522], Functional.CrossEntropy(Logits(), probabilities));
        AssertClose([2.019325099, 2.413386137, 1.618939042, 2.910702563], Functional.CrossEntropy(Logits(), probabilities, Reduction.None, 0.25));
    }

    [Theory]
    [InlineData(Reduction.None, 0.0)]
    [InlineData(Reduction.Mean, 0.0)]
    [InlineData(Reduction.Sum, 0.0)]
    [InlineData(Reduction.None, 0.1)]
    [InlineData(Reduction.Mean, 0.1)]
    [InlineData(Reduction.Sum, 0.3)]
    public void CrossEntropy_GradCheck(Reduction reduction, double labelSmoothing)
    {
        GradCheck.Check(t => Functional.CrossEntropy(t[0], Targets(), reduction, labelSmoothing), GradCheck.Input(62, 4, 5));
    }

    [Fact]
    public void CrossEntropy_SpatialAndProbabilityTargets_GradCheck()
    {
        var target = Tensor.From(new long[] { 0, 2, 1, 1, 2, 2, 0, 1 }, 2, 4);
        GradCheck.Check(t => Functional.CrossEntropy(t[0], target, Reduction.Mean, 0.2), GradCheck.Input(63, 2, 3, 4));
        GradCheck.Check(t => Functional.CrossEntropy(t[0], t[1].Softmax(1), Reduction.Mean, 0.1), GradCheck.Input(64, 3, 4), GradCheck.Input(65, 3, 4));
    }

    [Fact]
    public void CrossEntropy_GradientFlowsThroughLogSoftmax()
    {
        var y = Functional.CrossEntropy(Logits(requiresGrad: true), Targets(), Reduction.None);
        Assert.NotNull(y.GradFn);
    }

    [Fact]
    public void CrossEntropy_TargetOutOfRange_ThrowsNamingTheTargetAndTheClassCount()
    {
        var message = ThrowsNaming("CrossEntropy", () => Functional.CrossEntropy(Logits(), Tensor.From(new long[] { 1, 5, 0, 0 })));
        Assert.Contains("target 5", message);
        Assert.Contains("5 classes", message);
    }

    [Fact]
    public void CrossEntropy_TargetShapeMismatch_ThrowsNamingBothShapes()
    {
        var message = ThrowsNaming("CrossEntropy", () => Functional.CrossEntropy(Logits(), Tensor.From(new long[] { 1, 0, 4, 2, 0 })));
        Assert.Contains("[4, 5]", message);
        Assert.Contains("[5]", message);
    }

    [Fact]
    public void CrossEntropy_ProbabilityTargetOfWrongShape_Throws()
    {
        var message = ThrowsNaming("CrossEntropy", () => Functional.CrossEntropy(Logits(), Seq([4])));
        Assert.Contains("[4, 5]", message);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    public void CrossEntropy_LabelSmoothingOutOfRange_Throws(double labelSmoothing)
    {
        ThrowsNaming("CrossEntropy", () => Functional.CrossEntropy(Logits(), Targets(), Reduction.Mean, labelSmoothing));
    }

    [Fact]
    public void NllLoss_EachReduction_MatchesPyTorch()
    {
        // F.nll_loss(F.log_softmax(seq([4,5])*2, 1), tensor([1,0,4,2]), reduction=...)
        var logProbabilities = Logits().LogSoftmax(1);
        AssertClose([2.185883016, 0.8415891559, 1.624256201, 1.99686795], Functional.NllLoss(logProbabilities, Targets(), Reduction.None));
        AssertClose([1.662149081], Functional.NllLoss(logProbabilities, Targets()));
        AssertClose([6.648596322], Functional.NllLoss(logProbabilities, Targets(), Reduction.Sum));
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void NllLoss_GradCheck(Reduction reduction)
    {
        GradCheck.Check(t => Functional.NllLoss(t[0], Targets(), reduction), GradCheck.Input(66, 4, 5));
        var spatial = Tensor.From(new long[] { 0, 2, 1, 1, 2, 2, 0, 1, 1, 0, 0, 2 }, 2, 3, 2);
        GradCheck.Check(t => Functional.NllLoss(t[0], spatial, reduction), GradCheck.Input(67, 2, 3, 3, 2));
    }

    [Fact]
    public void NllLoss_RepeatedTargets_ScatterIntoTheSameClass()
    {
        var input = Tensor.Zeros([3, 2], DType.Float64, requiresGrad: true);
        Functional.NllLoss(input, Tensor.From(new long[] { 1, 1, 1 }), Reduction.Sum).Backward();
        AssertClose([0, -1, 0, -1, 0, -1], input.Grad!);
    }

    [Fact]
    public void NllLoss_NegativeTarget_ThrowsNamingTheTarget()
    {
        var message = ThrowsNaming("NllLoss", () => Functional.NllLoss(Logits(), Tensor.From(new long[] { 1, -1, 0, 0 })));
        Assert.Contains("target -1", message);
        Assert.Contains("5 classes", message);
    }

    [Fact]
    public void NllLoss_FloatTarget_Throws()
    {
        var message = ThrowsNaming("NllLoss", () => Functional.NllLoss(Logits(), Seq([4])));
        Assert.Contains("torch.int64", message);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_EachReduction_MatchesPyTorch()
    {
        // x = seq([3,4])*3 with x[0,0] = 0; t = |seq([3,4], 0.91, 0.5)|; F.binary_cross_entropy_with_logits(x, t, reduction=...)
        AssertClose([0.4794255386, 0.987100101, 0.732231444, 0.08829222818, 0.8406094036, 0.9435486686, 0.3175885661, 0.5537114036, 0.9972646069, 0.6704224236, 0.1743267812, 0.8844070656], BceTargets());
        AssertClose([0.6931471806, 0.2462586498, 0.6999261118, 2.617666675, 0.526744915, 0.2171126761, 1.604462882, 0.8233256326, 0.579017159, 0.9269410383, 0.4679974686, 2.346213828], Functional.BinaryCrossEntropyWithLogits(BceLogits(), BceTargets(), Reduction.None));
        AssertClose([0.9790678514], Functional.BinaryCrossEntropyWithLogits(BceLogits(), BceTargets()));
        AssertClose([11.74881422], Functional.BinaryCrossEntropyWithLogits(BceLogits(), BceTargets(), Reduction.Sum));
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_PosWeight_EachReduction_MatchesPyTorch()
    {
        // ... pos_weight=tensor([0.5, 1.0, 2.0, 3.0])
        AssertClose([0.5269909504, 0.2462586498, 0.7744307147, 2.628021858, 0.5063208898, 0.2171126761, 1.637941021, 1.088050438, 0.2906339952, 0.9269410383, 0.8137888453, 7.021582668], Functional.BinaryCrossEntropyWithLogits(BceLogits(), BceTargets(), Reduction.None, PosWeight()));
        AssertClose([1.389839479], Functional.BinaryCrossEntropyWithLogits(BceLogits(), BceTargets(), Reduction.Mean, PosWeight()));
        AssertClose([16.67807374], Functional.BinaryCrossEntropyWithLogits(BceLogits(), BceTargets(), Reduction.Sum, PosWeight()));
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_Gradient_MatchesPyTorchIncludingAtZero()
    {
        // F.binary_cross_entropy_with_logits(x, t, pos_weight=pw).backward(); x.grad (x[0,0] = 0)
        var x = BceLogits(requiresGrad: true);
        Functional.BinaryCrossEntropyWithLogits(x, BceTargets(), Reduction.Mean, PosWeight()).Backward();
        AssertClose([0.0117025705, -0.01596320506, 0.008348691248, 0.0703912599, 0.01099122608, -0.0001321668998, 0.04588247383, -0.0001495149986, -0.01812110997, -0.03097304736, -0.01559123484, -0.2046892291], x.Grad!);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_HugeLogits_StayFinite()
    {
        // F.binary_cross_entropy_with_logits(tensor([100,-100,800,-800]), tensor([0,1,1,0]), reduction='none')
        var loss = Functional.BinaryCrossEntropyWithLogits(Tensor.From(new[] { 100.0, -100, 800, -800 }), Tensor.From(new[] { 0.0, 1, 1, 0 }), Reduction.None);
        AssertClose([100, 100, 0, 0], loss);
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void BinaryCrossEntropyWithLogits_GradCheck(Reduction reduction)
    {
        GradCheck.Check(t => Functional.BinaryCrossEntropyWithLogits(t[0], t[1].Sigmoid(), reduction), GradCheck.Input(68, 3, 4), GradCheck.Input(69, 3, 4));
        GradCheck.Check(
            t => Functional.BinaryCrossEntropyWithLogits(t[0], t[1].Sigmoid(), reduction, t[2].Abs()),
            GradCheck.Input(70, 3, 4), GradCheck.Input(71, 3, 4), GradCheck.Input(72, 4));
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_ShapeMismatch_ThrowsNamingBothShapes()
    {
        var message = ThrowsNaming("BinaryCrossEntropyWithLogits", () => Functional.BinaryCrossEntropyWithLogits(Seq([4, 1]), Seq([4])));
        Assert.Contains("[4, 1]", message);
        Assert.Contains("[4]", message);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_PosWeightNotBroadcastable_Throws()
    {
        var message = ThrowsNaming("BinaryCrossEntropyWithLogits", () => Functional.BinaryCrossEntropyWithLogits(BceLogits(), BceTargets(), Reduction.Mean, Seq([3])));
        Assert.Contains("pos_weight", message);
        Assert.Contains("[3, 4]", message);
    }

    [Fact]
    public void Losses_UnknownReduction_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.MseLoss(Seq([2]), Seq([2]), (Reduction)7));
    }
}
