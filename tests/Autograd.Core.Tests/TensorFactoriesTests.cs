using Xunit;

namespace Autograd.Tests;

/// <summary>Factories: shapes, dtypes and values as torch.tensor / zeros / arange / eye / randn; errors for bad shapes.</summary>
[Collection(GlobalStateCollection.Name)] // ManualSeed reseeds the default generator other tests draw from
public sealed class TensorFactoriesTests
{
    [Fact]
    public void From_CopiesDataWithShapeAndDType()
    {
        var data = new[] { 1f, 2f, 3f, 4f, 5f, 6f };
        var t = Tensor.From(data, 2, 3);
        data[0] = 100;
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal(1f, t.ToArray()[0]);
        Assert.Equal([3], Tensor.From(new[] { 1.0, 2.0, 3.0 }).Shape);
        Assert.Equal(DType.Float64, Tensor.From(new[] { 1.0 }).DType);
        Assert.Equal(DType.Int64, Tensor.From(new long[] { 1 }).DType);
        var m = Tensor.From(new[,] { { 1.0, 2.0 }, { 3.0, 4.0 } }, requiresGrad: true);
        Assert.Equal([2, 2], m.Shape);
        Assert.Equal([1.0, 2.0, 3.0, 4.0], m.ToArray<double>());
        Assert.True(m.RequiresGrad);
        Assert.True(m.IsLeaf);
        Assert.True(Tensor.From(new[] { 2f }, requiresGrad: true).RequiresGrad);
        Assert.Equal(Device.Cpu, t.Device);
    }

    [Fact]
    public void From_WrongNumberOfValues_ThrowsNamingShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.From(new[] { 1f, 2f, 3f }, 2, 2));
        Assert.Contains("From", ex.Message);
        Assert.Contains("[2, 2]", ex.Message);
        Assert.Contains("3 values", ex.Message);
    }

    [Fact]
    public void ZerosOnesFull_FillEveryElement()
    {
        Assert.All(Tensor.Zeros(2, 3).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(Tensor.Ones([4], DType.Float64).ToArray<double>(), v => Assert.Equal(1.0, v));
        Assert.All(Tensor.Full([2, 2], -1.5).ToArray(), v => Assert.Equal(-1.5f, v));
        Assert.All(Tensor.Full([3], 7, DType.Int64).ToArray<long>(), v => Assert.Equal(7L, v));
        var like = Tensor.ZerosLike(Tensor.Ones([2, 5], DType.Float64));
        Assert.Equal([2, 5], like.Shape);
        Assert.Equal(DType.Float64, like.DType);
        Assert.All(Tensor.OnesLike(Tensor.Zeros([3], DType.Int64)).ToArray<long>(), v => Assert.Equal(1L, v));
        Assert.True(Tensor.Zeros([2], DType.Float32, requiresGrad: true).RequiresGrad);
        var scalar = Tensor.Scalar(2.5, DType.Float64);
        Assert.Equal([], scalar.Shape);
        Assert.Equal(0, scalar.Dim);
        Assert.Equal(1, scalar.Numel);
        Assert.Equal(2.5, scalar.ItemDouble());
        Assert.Equal(0, Tensor.Zeros(0, 3).Numel);
    }

    [Fact]
    public void Arange_MatchesTorchArange()
    {
        // torch.arange(5.), torch.arange(0.5, 2.0, 0.5), torch.arange(5, 0, -2), torch.arange(1, 2.5, 0.3)
        Assert.Equal([0f, 1, 2, 3, 4], Tensor.Arange(5).ToArray());
        Assert.Equal([0.5f, 1f, 1.5f], Tensor.Arange(0.5, 2.0, 0.5).ToArray());
        Assert.Equal([5L, 3L, 1L], Tensor.Arange(5, 0, -2, DType.Int64).ToArray<long>());
        Assert.Equal(5, Tensor.Arange(1, 2.5, 0.3).Numel);
        Assert.Equal(0, Tensor.Arange(3, 1).Numel);
        Assert.Equal(DType.Int64, Tensor.Arange(3, DType.Int64).DType);
        Assert.Throws<ArgumentException>(() => Tensor.Arange(0, 1, 0));
    }

    [Fact]
    public void Eye_IsIdentity()
    {
        Assert.Equal([1.0, 0, 0, 0, 1, 0, 0, 0, 1], Tensor.Eye(3, DType.Float64).ToArray<double>());
    }

    [Fact]
    public void RandomFactories_AreSeededAndInRange()
    {
        var a = Tensor.Randn([100], DType.Float64, generator: new Generator(7));
        var b = Tensor.Randn([100], DType.Float64, generator: new Generator(7));
        Assert.Equal(a.ToArray<double>(), b.ToArray<double>());
        Assert.NotEqual(a.ToArray<double>(), Tensor.Randn([100], DType.Float64, generator: new Generator(8)).ToArray<double>());

        var u = Tensor.Rand([1000], DType.Float32, generator: new Generator(1)).ToArray();
        Assert.All(u, v => Assert.InRange(v, 0f, 1f));
        Assert.True(u.Min() < 0.05 && u.Max() > 0.95);
        var w = Tensor.Uniform([1000], -2, 3, DType.Float64, generator: new Generator(2)).ToArray<double>();
        Assert.All(w, v => Assert.True(v >= -2 && v < 3));
        var ints = Tensor.RandInt(4, [1000], new Generator(3)).ToArray<long>();
        Assert.Equal([0L, 1L, 2L, 3L], ints.Distinct().Order());
        Assert.True(Tensor.Randn([2], DType.Float32, requiresGrad: true).RequiresGrad);

        Tensor.ManualSeed(123);
        var first = Tensor.Randn(5).ToArray();
        Tensor.ManualSeed(123);
        Assert.Equal(first, Tensor.Randn(5).ToArray());
    }

    [Fact]
    public void BadArguments_Throw()
    {
        var negative = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, -1));
        Assert.Contains("[2, -1]", negative.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Randn([2], DType.Int64));
        var ex = Assert.Throws<InvalidOperationException>(() => Tensor.Zeros([2], DType.Int64, requiresGrad: true));
        Assert.Contains("floating point", ex.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(int.MaxValue, 4));
    }
}
