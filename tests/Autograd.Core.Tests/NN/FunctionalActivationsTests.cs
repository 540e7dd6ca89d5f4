using Autograd.NN;
using Autograd.Tests.Support;
using Xunit;
using static Autograd.Tests.NN.FunctionalTestInputs;

namespace Autograd.Tests.NN;

/// <summary>The activation and linear delegates against PyTorch 1.13 on x = seq([7], 1.3, -0.4) * 3.</summary>
public sealed class FunctionalActivationsTests
{
    private static Tensor X() => Seq([7], 1.3, -0.4) * 3;

    [Fact]
    public void Activations_MatchPyTorch()
    {
        // F.relu, F.gelu, F.gelu(approximate='tanh'), F.leaky_relu(x, 0.2), torch.sigmoid, torch.tanh
        AssertClose([0, 2.349980729, 2.425489211, 0, 0, 0, 2.696124287], Functional.Relu(X()));
        AssertClose([-0.1417700316, 2.32792101, 2.406949051, -0.1539793557, -0.004189213328, -0.1597740591, 2.686667431], Functional.Gelu(X()));
        AssertClose([-0.1419759237, 2.328290717, 2.407358772, -0.154150161, -0.003772802168, -0.1597977744, 2.68714066], Functional.Gelu(X(), tanhApproximation: true));
        AssertClose([-0.2336510054, 2.349980729, 2.425489211, -0.2104699366, -0.5976987653, -0.1092975026, 2.696124287], Functional.LeakyRelu(X(), 0.2));
        AssertClose([0.2371705412, 0.9129326958, 0.9187504466, 0.2587741525, 0.0479483989, 0.3666797162, 0.9367975593], Functional.Sigmoid(X()));
        AssertClose([-0.8237119697, 0.9819727142, 0.9844799345, -0.7827181879, -0.9949399237, -0.4978830485, 0.9909377948], Functional.Tanh(X()));
    }

    [Fact]
    public void SoftmaxAndLogSoftmax_MatchPyTorch()
    {
        // F.softmax(seq([2,3])*2, 0), F.log_softmax(seq([2,3])*2, 1)
        AssertClose([0.1582156126, 0.2508389798, 0.4088713323, 0.8417843874, 0.7491610202, 0.5911286677], Functional.Softmax(Seq([2, 3]) * 2, 0));
        AssertClose([-1.895742532, -1.189636795, -0.6061231255, -1.139148006, -1.010464716, -1.152460579], Functional.LogSoftmax(Seq([2, 3]) * 2, 1));
    }

    [Fact]
    public void Linear_MatchesMatMulPlusBias_AndGradChecks()
    {
        var x = Seq([2, 3]);
        var w = Seq([4, 3], 0.53, 0.2);
        var b = Seq([4], 0.91, 0.3);
        AssertClose((x.MatMul(w.T) + b).ToArray<double>(), Functional.Linear(x, w, b));
        GradCheck.Check(t => Functional.Linear(t[0], t[1], t[2]), GradCheck.Input(80, 2, 3), GradCheck.Input(81, 4, 3), GradCheck.Input(82, 4));
    }

    [Fact]
    public void Activations_GradCheck()
    {
        GradCheck.Check(t => Functional.Gelu(t[0]) + Functional.Gelu(t[0], true) + Functional.Sigmoid(t[0]) + Functional.Tanh(t[0]), GradCheck.Input(83, 6));
        GradCheck.Check(t => Functional.LogSoftmax(t[0], 1) + Functional.Softmax(t[0], 0), GradCheck.Input(84, 3, 4));
    }
}
