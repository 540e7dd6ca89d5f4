using Autograd.NN;
using Autograd.Tests.Support;
using Xunit;
using static Autograd.Tests.NN.FunctionalTestInputs;

namespace Autograd.Tests.NN;

/// <summary>LayerNorm and BatchNorm against PyTorch 1.13 (functional_reference.py) and gradcheck.</summary>
public sealed class FunctionalNormalizationTests
{
    [Fact]
    public void LayerNorm_LastDimension_MatchesPyTorch()
    {
        // F.layer_norm(seq([2,3,4]), [4])
        AssertClose([-1.452468373, -0.3338263633, 0.5906002045, 1.195694531, 1.032742032, 0.7076884842, -0.1930028609, -1.547427655, 1.416212729, 0.3783316017, -0.5503642191, -1.244180111, -0.8450887772, -0.8160515477, 0.04360627821, 1.617534047, -1.384007643, -0.4149184253, 0.5160449914, 1.282881077, 0.3913037465, 0.9960427477, 0.2780761478, -1.665422642], Functional.LayerNorm(Seq([2, 3, 4]), [4]));
    }

    [Fact]
    public void LayerNorm_LastTwoDimensionsWithAffine_MatchesPyTorch()
    {
        // F.layer_norm(seq([2,3,4]), [3,4], seq([3,4], 0.53, 0.2), seq([3,4], 0.91, 0.3))
        var y = Functional.LayerNorm(Seq([2, 3, 4]), [3, 4], Seq([3, 4], 0.53, 0.2), Seq([3, 4], 0.91, 0.3));
        AssertClose([0.2275606581, 1.100163172, 1.551142424, 1.138030805, 0.1325188547, -0.6913572887, -0.6679345947, 0.2248647261, 1.321608548, 1.754970179, 1.103566251, -0.2888575017, 0.01188742295, -0.01239284665, -0.3290941417, -0.778657186, -1.065643435, -0.989493804, -0.6095900731, -0.2107601401, -0.09058194987, -0.3314852833, -0.736090681, -0.9788894745], y);
    }

    [Fact]
    public void LayerNorm_GradCheck()
    {
        GradCheck.Check(t => Functional.LayerNorm(t[0], [3, 4], t[1], t[2]), GradCheck.Input(30, 2, 3, 4), GradCheck.Input(31, 3, 4), GradCheck.Input(32, 3, 4));
        GradCheck.Check(t => Functional.LayerNorm(t[0], [5], eps: 1e-3), GradCheck.Input(33, 4, 5));
    }

    [Fact]
    public void LayerNorm_ShapeNotTrailing_ThrowsNamingTheShapes()
    {
        var message = ThrowsNaming("LayerNorm", () => Functional.LayerNorm(Seq([2, 3, 4]), [3]));
        Assert.Contains("[2, 3, 4]", message);
        Assert.Contains("[3]", message);
    }

    [Fact]
    public void LayerNorm_WeightOfWrongShape_Throws()
    {
        var message = ThrowsNaming("LayerNorm", () => Functional.LayerNorm(Seq([2, 4]), [4], Seq([3])));
        Assert.Contains("weight", message);
        Assert.Contains("[3]", message);
    }

    [Fact]
    public void BatchNorm_Training2D_MatchesPyTorchAndUpdatesRunningStatistics()
    {
        // x = seq([4,3])*2+0.5; rm = seq([3], 0.41, 0.2); rv = |seq([3], 0.77, 0.1)| + 0.5
        // F.batch_norm(x, rm, rv, seq([3], 0.53, 0.2), seq([3], 0.91, 0.3), training=True, momentum=0.1)
        var x = (Seq([4, 3]) * 2) + 0.5;
        var runningMean = Seq([3], 0.41, 0.2);
        var runningVar = Seq([3], 0.77, 0.1).Abs() + 0.5;
        AssertClose([0.5998334166, 1.264328937, 1.497606381], runningVar);
        var weight = Seq([3], 0.53, 0.2);
        var bias = Seq([3], 0.91, 0.3);
        var y = Functional.BatchNorm(x, runningMean, runningVar, weight, bias, training: true, momentum: 0.1);
        AssertClose([0.1851915876, 1.088234421, 1.560950928, 0.5254772628, 1.713464043, 1.811915344, 0.44267002, 1.069391746, 0.6580219997, 0.02874195627, -0.1286262039, -0.619126345], y);
        AssertClose([0.3029651552, 0.6294499702, 0.8618285704], runningMean);
        AssertClose([0.6668358653, 1.319483688, 1.608615613], runningVar);

        // F.batch_norm(x, rm, rv, weight, bias, training=False) with the updated statistics.
        AssertClose([0.3920323888, 1.386307654, 1.699292268, 0.7987017099, 2.021508781, 1.97601517, 0.6997402558, 1.367164465, 0.7036885159, 0.2050622341, 0.1500398659, -0.7045437866], Functional.BatchNorm(x, runningMean, runningVar, weight, bias));
    }

    [Fact]
    public void BatchNorm_Training4D_MatchesPyTorchAndUpdatesRunningStatistics()
    {
        // x = seq([2,3,2,2])*1.5; rm = zeros(3); rv = ones(3); F.batch_norm(x, rm, rv, training=True, momentum=0.3)
        var x = Seq([2, 3, 2, 2]) * 1.5;
        var runningMean = Tensor.Zeros([3], DType.Float64);
        var runningVar = Tensor.Ones([3], DType.Float64);
        AssertClose([0.328901268, 0.8013380806, 1.191751759, 1.447301642, 1.19980263, 1.022684462, 0.5319074748, -0.2061039687, -0.2242109915, -0.7416071443, -1.204573116, -1.550448635, -1.123003751, -1.116795571, -0.9330001349, -0.5964932918, -1.943800004, -1.028822839, -0.149842604, 0.5741748494, 0.9868164343, 1.074298693, 0.970436796, 0.6892879641], Functional.BatchNorm(x, runningMean, runningVar, training: true, momentum: 0.3));
        AssertClose([-0.06567978815, 0.2335571958, 0.1080338088], runningMean);
        AssertClose([1.130808528, 0.8239506695, 1.085865929], runningVar);

        // F.batch_norm(x, rm, rv, seq([3], 0.53, 0.2), seq([3], 0.91, 0.3), training=False, eps=1e-3)
        var y = Functional.BatchNorm(x, runningMean, runningVar, Seq([3], 0.53, 0.2), Seq([3], 0.91, 0.3), training: false, eps: 1e-3);
        AssertClose([0.3357502365, 0.434645468, 0.516370791, 0.5698650663, 1.865418582, 1.787226297, 1.570563179, 1.244753567, 0.8659263805, 0.3646503802, -0.08389128262, -0.4189905982, 0.03182285559, 0.03312241429, 0.07159632607, 0.1420373275, 0.4776136039, 0.8815482015, 1.269591249, 1.58922294, 2.039222666, 2.123979301, 2.023353357, 1.750964084], y);
    }

    [Fact]
    public void BatchNorm_Float32RunningStatisticsWithFloat32Input_AreUpdated()
    {
        var x = ((Seq([2, 3, 2, 2]) * 1.5)).Float();
        var runningMean = Tensor.Zeros(3);
        var runningVar = Tensor.Ones(3);
        Functional.BatchNorm(x, runningMean, runningVar, training: true, momentum: 0.3);
        AssertClose([-0.06567978815, 0.2335571958, 0.1080338088], runningMean, 1e-6);
        AssertClose([1.130808528, 0.8239506695, 1.085865929], runningVar, 1e-6);
    }

    [Fact]
    public void BatchNorm_Training_RunningStatisticsStayOutOfTheGraph()
    {
        var x = Seq([4, 3], requiresGrad: true);
        var runningMean = Tensor.Zeros([3], DType.Float64);
        var runningVar = Tensor.Ones([3], DType.Float64);
        var y = Functional.BatchNorm(x, runningMean, runningVar, training: true);
        Assert.True(y.RequiresGrad);
        Assert.False(runningMean.RequiresGrad);
        Assert.Null(runningMean.GradFn);
        Assert.Null(runningVar.GradFn);
    }

    [Fact]
    public void BatchNorm_TrainingWithoutRunningStatistics_UsesTheBatch()
    {
        var x = (Seq([4, 3]) * 2) + 0.5;
        var withStats = Functional.BatchNorm(x, Tensor.Zeros([3], DType.Float64), Tensor.Ones([3], DType.Float64), Seq([3], 0.53, 0.2), Seq([3], 0.91, 0.3), training: true);
        var without = Functional.BatchNorm(x, null, null, Seq([3], 0.53, 0.2), Seq([3], 0.91, 0.3), training: true);
        AssertClose(withStats.ToArray<double>(), without);
    }

    [Fact]
    public void BatchNorm_Training_GradCheck()
    {
        GradCheck.Check(t => Functional.BatchNorm(t[0], null, null, t[1], t[2], training: true), GradCheck.Input(40, 4, 3), GradCheck.Input(41, 3), GradCheck.Input(42, 3));
        GradCheck.Check(t => Functional.BatchNorm(t[0], null, null, t[1], t[2], training: true, eps: 1e-3), GradCheck.Input(43, 2, 3, 2, 2), GradCheck.Input(44, 3), GradCheck.Input(45, 3));
    }

    [Fact]
    public void BatchNorm_Evaluation_GradCheck()
    {
        var runningMean = Seq([3], 0.41, 0.2);
        var runningVar = Seq([3], 0.77, 0.1).Abs() + 0.5;
        GradCheck.Check(t => Functional.BatchNorm(t[0], runningMean, runningVar, t[1], t[2]), GradCheck.Input(46, 2, 3, 2), GradCheck.Input(47, 3), GradCheck.Input(48, 3));
    }

    [Fact]
    public void BatchNorm_TrainingWithOneValuePerChannel_Throws()
    {
        var message = ThrowsNaming("BatchNorm", () => Functional.BatchNorm(Seq([1, 3]), null, null, training: true));
        Assert.Contains("more than 1 value per channel", message);
        Assert.Contains("[1, 3]", message);
    }

    [Fact]
    public void BatchNorm_EvaluationWithoutRunningStatistics_Throws()
    {
        ThrowsNaming("BatchNorm", () => Functional.BatchNorm(Seq([4, 3]), null, null));
    }

    [Fact]
    public void BatchNorm_RunningMeanOfWrongShape_ThrowsNamingTheShapes()
    {
        var message = ThrowsNaming("BatchNorm", () => Functional.BatchNorm(Seq([4, 3, 2]), Tensor.Zeros([2], DType.Float64), Tensor.Ones([3], DType.Float64)));
        Assert.Contains("running_mean", message);
        Assert.Contains("[2]", message);
        Assert.Contains("[4, 3, 2]", message);
    }

    [Fact]
    public void BatchNorm_OneDimensionalInput_Throws()
    {
        ThrowsNaming("BatchNorm", () => Functional.BatchNorm(Seq([4]), null, null, training: true));
    }
}
