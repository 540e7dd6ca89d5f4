using Autograd.Data;
using Xunit;

namespace Autograd.Tests.Data;

public sealed class FashionMnistTests
{
    [Fact]
    public void Load_Test_GivesImagesAndInt64Labels()
    {
        Assert.SkipUnless(FashionMnistFiles.IsAvailable(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        var test = FashionMnist.Load(train: false);
        Assert.Equal(10000, test.Count);
        Assert.Equal([10000, 1, 28, 28], test.Tensors[0].Shape);
        Assert.Equal(DType.Int64, test.Tensors[1].DType);
        var (x, y) = test.GetBatch([0, 1]);
        Assert.InRange(x.Max().Item(), 0.5f, 1f);
        Assert.InRange(x.Min().Item(), 0f, 0.01f);
        Assert.All(y.ToArray<long>(), label => Assert.InRange(label, 0, 9));
    }
}
