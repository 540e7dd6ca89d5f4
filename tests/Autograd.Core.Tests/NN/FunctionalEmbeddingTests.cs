using Autograd.NN;
using Autograd.Tests.Support;
using Xunit;
using static Autograd.Tests.NN.FunctionalTestInputs;

namespace Autograd.Tests.NN;

/// <summary>Embedding against PyTorch 1.13's F.embedding (weight = seq([5, 3]), functional_reference.py).</summary>
public sealed class FunctionalEmbeddingTests
{
    private static Tensor Indices() => Tensor.From(new long[] { 0, 2, 2, 4, 1, 0 }, 2, 3);

    [Fact]
    public void Embedding_MatchesPyTorch()
    {
        // F.embedding(tensor([[0,2,2],[4,1,0]]), seq([5,3]))
        var y = Functional.Embedding(Indices(), Seq([5, 3]));
        Assert.Equal([2, 3, 3], y.Shape);
        AssertClose([0.09983341665, 0.4528862854, 0.74464312, 0.732231444, 0.4363990822, 0.08150215176, 0.732231444, 0.4363990822, 0.08150215176, -0.9851777815, -0.9805383978, -0.8431877419, 0.9356160016, 0.9999576465, 0.928959715, 0.09983341665, 0.4528862854, 0.74464312], y);
    }

    [Fact]
    public void Embedding_RepeatedIndices_AccumulateGradientLikePyTorch()
    {
        // (F.embedding(idx, w) * seq(y.shape, 0.29, 0.7)).sum().backward(); w.grad
        var weight = Seq([5, 3], requiresGrad: true);
        var y = Functional.Embedding(Indices(), weight);
        (y * Seq(y.Shape, 0.29, 0.7)).Sum().Backward();
        AssertClose([-0.2993309814, 0.02659332215, 0.3502967576, -0.8615969003, -0.9707673367, -0.9988668095, 1.645434681, 1.358540761, 0.9581920458, 0, 0, 0, -0.16761244, -0.4425204433, -0.6804725691], weight.Grad!);
    }

    [Fact]
    public void Embedding_GradCheck()
    {
        GradCheck.Check(t => Functional.Embedding(Indices(), t[0]), GradCheck.Input(50, 5, 3));
        GradCheck.Check(t => Functional.Embedding(Tensor.From(new long[] { 3, 3, 3, 0 }), t[0]), GradCheck.Input(51, 4, 2));
    }

    [Fact]
    public void Embedding_ZeroDimensionalIndex_GivesOneRow()
    {
        var y = Functional.Embedding(Tensor.From(new long[] { 4 }).Reshape(), Seq([5, 3]));
        Assert.Equal([3], y.Shape);
        AssertClose(Seq([5, 3]).ToArray<double>()[12..], y);
    }

    [Theory]
    [InlineData(5L)]
    [InlineData(-1L)]
    public void Embedding_IndexOutOfRange_ThrowsNamingTheIndexAndTheTableSize(long bad)
    {
        var message = ThrowsNaming("Embedding", () => Functional.Embedding(Tensor.From(new long[] { 0, bad }), Seq([5, 3])));
        Assert.Contains($"index {bad}", message);
        Assert.Contains("5 embeddings", message);
    }

    [Fact]
    public void Embedding_FloatIndices_Throw()
    {
        var message = ThrowsNaming("Embedding", () => Functional.Embedding(Seq([2]), Seq([5, 3])));
        Assert.Contains("torch.int64", message);
    }

    [Fact]
    public void Embedding_OneDimensionalWeight_Throws()
    {
        var message = ThrowsNaming("Embedding", () => Functional.Embedding(Indices(), Seq([5])));
        Assert.Contains("[5]", message);
    }
}
