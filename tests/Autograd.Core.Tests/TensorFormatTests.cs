using Xunit;

namespace Autograd.Tests;

/// <summary>
/// ToString against what PyTorch 1.13 prints. Every expected string is <c>str(t)</c> of a torch 1.13 tensor holding the
/// same values (default print options), e.g. <c>str(torch.arange(2000.).reshape(20, 100))</c> for "Summarized2D".
/// </summary>
public sealed class TensorFormatTests
{
    [Theory]
    [InlineData("OneElement", "tensor([3.])")]
    [InlineData("Scalar0d", "tensor(3.)")]
    [InlineData("Scalar0dFraction", "tensor(-0.5000)")]
    [InlineData("Scalar0dNan", "tensor(nan)")]
    [InlineData("Scalar0dSmall", "tensor(1.0000e-07)")]
    [InlineData("NegativeAlignment", "tensor([ -1.5000,   2.2500, 100.0000])")]
    [InlineData("IntegersWithWideRange", "tensor([1.0000e+00, 1.0000e+04])")]
    [InlineData("LargeIntegers", "tensor([1.2346e+08, 1.0000e+00])")]
    [InlineData("SmallValuesSci", "tensor([1.0000e-05, 1.0000e+00])")]
    [InlineData("HalfEvenRounding", "tensor([0.0312, 0.5000])")]
    [InlineData("SciHalfEven", "tensor([1.0312e+00, 1.0000e+05])")]
    [InlineData("InfNotWidening", "tensor([1., -inf])")]
    [InlineData("NanNotWidening", "tensor([0., nan])")]
    [InlineData("NanPadded", "tensor([    nan,  1.5000, -2.0000])")]
    [InlineData("InfPaddedSci", "tensor([       inf, 1.0000e-07])")]
    [InlineData("AllZeros", "tensor([0., 0.])")]
    [InlineData("OnlyNonFinite", "tensor([nan, inf])")]
    [InlineData("NegativeZero", "tensor([-0., 1.])")]
    [InlineData("RowWraps", "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n        14., 15., 16., 17., 18., 19.])")]
    [InlineData("ThreeD", "tensor([[[ 0.,  1.,  2.,  3.],\n         [ 4.,  5.,  6.,  7.],\n         [ 8.,  9., 10., 11.]],\n\n        [[12., 13., 14., 15.],\n         [16., 17., 18., 19.],\n         [20., 21., 22., 23.]]])")]
    [InlineData("FourD", "tensor([[[[0., 0.],\n          [0., 0.]],\n\n         [[0., 0.],\n          [0., 0.]]],\n\n\n        [[[0., 0.],\n          [0., 0.]],\n\n         [[0., 0.],\n          [0., 0.]]]])")]
    [InlineData("Int64", "tensor([ -3, 100])")]
    [InlineData("Int64Column", "tensor([[[1],\n         [2]],\n\n        [[3],\n         [4]]])")]
    [InlineData("Float64", "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n        28., 29.], dtype=torch.float64)")]
    [InlineData("Summarized1D", "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])")]
    [InlineData("SummarizedOnes", "tensor([1., 1., 1.,  ..., 1., 1., 1.])")]
    [InlineData("Summarized2D", "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.7000e+01, 9.8000e+01,\n         9.9000e+01],\n        [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.9700e+02, 1.9800e+02,\n         1.9900e+02],\n        [2.0000e+02, 2.0100e+02, 2.0200e+02,  ..., 2.9700e+02, 2.9800e+02,\n         2.9900e+02],\n        ...,\n        [1.7000e+03, 1.7010e+03, 1.7020e+03,  ..., 1.7970e+03, 1.7980e+03,\n         1.7990e+03],\n        [1.8000e+03, 1.8010e+03, 1.8020e+03,  ..., 1.8970e+03, 1.8980e+03,\n         1.8990e+03],\n        [1.9000e+03, 1.9010e+03, 1.9020e+03,  ..., 1.9970e+03, 1.9980e+03,\n         1.9990e+03]])")]
    [InlineData("Summarized3D", "tensor([[[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.7000e+01,\n          1.8000e+01, 1.9000e+01],\n         [2.0000e+01, 2.1000e+01, 2.2000e+01,  ..., 3.7000e+01,\n          3.8000e+01, 3.9000e+01],\n         [4.0000e+01, 4.1000e+01, 4.2000e+01,  ..., 5.7000e+01,\n          5.8000e+01, 5.9000e+01],\n         ...,\n         [3.4000e+02, 3.4100e+02, 3.4200e+02,  ..., 3.5700e+02,\n          3.5800e+02, 3.5900e+02],\n         [3.6000e+02, 3.6100e+02, 3.6200e+02,  ..., 3.7700e+02,\n          3.7800e+02, 3.7900e+02],\n         [3.8000e+02, 3.8100e+02, 3.8200e+02,  ..., 3.9700e+02,\n          3.9800e+02, 3.9900e+02]],\n\n        [[4.0000e+02, 4.0100e+02, 4.0200e+02,  ..., 4.1700e+02,\n          4.1800e+02, 4.1900e+02],\n         [4.2000e+02, 4.2100e+02, 4.2200e+02,  ..., 4.3700e+02,\n          4.3800e+02, 4.3900e+02],\n         [4.4000e+02, 4.4100e+02, 4.4200e+02,  ..., 4.5700e+02,\n          4.5800e+02, 4.5900e+02],\n         ...,\n         [7.4000e+02, 7.4100e+02, 7.4200e+02,  ..., 7.5700e+02,\n          7.5800e+02, 7.5900e+02],\n         [7.6000e+02, 7.6100e+02, 7.6200e+02,  ..., 7.7700e+02,\n          7.7800e+02, 7.7900e+02],\n         [7.8000e+02, 7.8100e+02, 7.8200e+02,  ..., 7.9700e+02,\n          7.9800e+02, 7.9900e+02]],\n\n        [[8.0000e+02, 8.0100e+02, 8.0200e+02,  ..., 8.1700e+02,\n          8.1800e+02, 8.1900e+02],\n         [8.2000e+02, 8.2100e+02, 8.2200e+02,  ..., 8.3700e+02,\n          8.3800e+02, 8.3900e+02],\n         [8.4000e+02, 8.4100e+02, 8.4200e+02,  ..., 8.5700e+02,\n          8.5800e+02, 8.5900e+02],\n         ...,\n         [1.1400e+03, 1.1410e+03, 1.1420e+03,  ..., 1.1570e+03,\n          1.1580e+03, 1.1590e+03],\n         [1.1600e+03, 1.1610e+03, 1.1620e+03,  ..., 1.1770e+03,\n          1.1780e+03, 1.1790e+03],\n         [1.1800e+03, 1.1810e+03, 1.1820e+03,  ..., 1.1970e+03,\n          1.1980e+03, 1.1990e+03]],\n\n        [[1.2000e+03, 1.2010e+03, 1.2020e+03,  ..., 1.2170e+03,\n          1.2180e+03, 1.2190e+03],\n         [1.2200e+03, 1.2210e+03, 1.2220e+03,  ..., 1.2370e+03,\n          1.2380e+03, 1.2390e+03],\n         [1.2400e+03, 1.2410e+03, 1.2420e+03,  ..., 1.2570e+03,\n          1.2580e+03, 1.2590e+03],\n         ...,\n         [1.5400e+03, 1.5410e+03, 1.5420e+03,  ..., 1.5570e+03,\n          1.5580e+03, 1.5590e+03],\n         [1.5600e+03, 1.5610e+03, 1.5620e+03,  ..., 1.5770e+03,\n          1.5780e+03, 1.5790e+03],\n         [1.5800e+03, 1.5810e+03, 1.5820e+03,  ..., 1.5970e+03,\n          1.5980e+03, 1.5990e+03]],\n\n        [[1.6000e+03, 1.6010e+03, 1.6020e+03,  ..., 1.6170e+03,\n          1.6180e+03, 1.6190e+03],\n         [1.6200e+03, 1.6210e+03, 1.6220e+03,  ..., 1.6370e+03,\n          1.6380e+03, 1.6390e+03],\n         [1.6400e+03, 1.6410e+03, 1.6420e+03,  ..., 1.6570e+03,\n          1.6580e+03, 1.6590e+03],\n         ...,\n         [1.9400e+03, 1.9410e+03, 1.9420e+03,  ..., 1.9570e+03,\n          1.9580e+03, 1.9590e+03],\n         [1.9600e+03, 1.9610e+03, 1.9620e+03,  ..., 1.9770e+03,\n          1.9780e+03, 1.9790e+03],\n         [1.9800e+03, 1.9810e+03, 1.9820e+03,  ..., 1.9970e+03,\n          1.9980e+03, 1.9990e+03]]])")]
    [InlineData("SummarizedInt64", "tensor([[   0,    1,    2,  ...,  997,  998,  999],\n        [1000, 1001, 1002,  ..., 1997, 1998, 1999]])")]
    [InlineData("Empty", "tensor([])")]
    [InlineData("EmptyFloat64", "tensor([], dtype=torch.float64)")]
    [InlineData("EmptyInt64", "tensor([], dtype=torch.int64)")]
    [InlineData("Empty2D", "tensor([], size=(0, 3))")]
    [InlineData("RequiresGradLeaf", "tensor([[0.2325]], requires_grad=True)")]
    [InlineData("LongRowRequiresGradFloat64", "tensor([1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n        1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n        1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000],\n       dtype=torch.float64, requires_grad=True)")]
    [InlineData("SuffixWrapsToNewLine", "tensor([1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n        1.5000, 1.5000, 1.5000, 1.5000], dtype=torch.float64,\n       requires_grad=True)")]
    [InlineData("Float64Matrix", "tensor([[1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n         1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n         1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n         1.5000, 1.5000, 1.5000],\n        [1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n         1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n         1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n         1.5000, 1.5000, 1.5000],\n        [1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n         1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n         1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n         1.5000, 1.5000, 1.5000]], dtype=torch.float64)")]
    public void ToString_MatchesPyTorch(string name, string expected)
    {
        using var t = Make(name);
        Assert.Equal(expected, t.ToString());
    }

    [Fact]
    public void ToString_LinearOutput_ShowsAddmmGradFn()
    {
        // torch: F.linear(torch.tensor([[1.]]), torch.tensor([[0.2]], requires_grad=True), torch.tensor([0.0325], requires_grad=True))
        // prints tensor([[0.2325]], grad_fn=<AddmmBackward0>)
        var x = Tensor.From(new float[,] { { 1f } });
        var w = Tensor.From(new float[,] { { 0.2f } }, requiresGrad: true);
        var b = Tensor.From(new[] { 0.0325f }, requiresGrad: true);
        Assert.Equal("tensor([[0.2325]], grad_fn=<AddmmBackward0>)", Tensor.Linear(x, w, b).ToString());
    }

    [Fact]
    public void ToString_ScalarAffine_ShowsAddBackward()
    {
        // torch: x = torch.tensor([2.], requires_grad=True); print(x * 3 + 1) -> tensor([7.], grad_fn=<AddBackward0>)
        var x = Tensor.From(new[] { 2f }, requiresGrad: true);
        Assert.Equal("tensor([7.], grad_fn=<AddBackward0>)", (x * 3 + 1).ToString());
    }

    [Fact]
    public void ToString_Float64RequiresGrad_PutsDtypeBeforeRequiresGrad()
    {
        // torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)
        var t = Tensor.From(new[] { 1.0, 2.0 }, requiresGrad: true);
        Assert.Equal("tensor([1., 2.], dtype=torch.float64, requires_grad=True)", t.ToString());
    }

    [Fact]
    public void ToString_DisposedTensor_SaysSoInsteadOfThrowing()
    {
        var t = Tensor.Ones(2);
        t.Dispose();
        Assert.Equal("tensor(<disposed>)", t.ToString());
    }

    private static Tensor Make(string name) => name switch
    {
        "OneElement" => Tensor.From(new float[] { 3.0f }, [1]),
        "Scalar0d" => Tensor.From(new float[] { 3.0f }, [1]).Reshape(),
        "Scalar0dFraction" => Tensor.From(new float[] { -0.5f }, [1]).Reshape(),
        "Scalar0dNan" => Tensor.From(new float[] { float.NaN }, [1]).Reshape(),
        "Scalar0dSmall" => Tensor.From(new float[] { 1.0000000116860974e-07f }, [1]).Reshape(),
        "NegativeAlignment" => Tensor.From(new float[] { -1.5f, 2.25f, 100.0f }, [3]),
        "IntegersWithWideRange" => Tensor.From(new float[] { 1.0f, 10000.0f }, [2]),
        "LargeIntegers" => Tensor.From(new float[] { 123456792.0f, 1.0f }, [2]),
        "SmallValuesSci" => Tensor.From(new float[] { 9.999999747378752e-06f, 1.0f }, [2]),
        "HalfEvenRounding" => Tensor.From(new float[] { 0.03125f, 0.5f }, [2]),
        "SciHalfEven" => Tensor.From(new float[] { 1.03125f, 100000.0f }, [2]),
        "InfNotWidening" => Tensor.From(new float[] { 1.0f, float.NegativeInfinity }, [2]),
        "NanNotWidening" => Tensor.From(new float[] { 0.0f, float.NaN }, [2]),
        "NanPadded" => Tensor.From(new float[] { float.NaN, 1.5f, -2.0f }, [3]),
        "InfPaddedSci" => Tensor.From(new float[] { float.PositiveInfinity, 1.0000000116860974e-07f }, [2]),
        "AllZeros" => Tensor.From(new float[] { 0.0f, 0.0f }, [2]),
        "OnlyNonFinite" => Tensor.From(new float[] { float.NaN, float.PositiveInfinity }, [2]),
        "NegativeZero" => Tensor.From(new float[] { -0.0f, 1.0f }, [2]),
        "RowWraps" => Tensor.Arange(20),
        "ThreeD" => Tensor.Arange(24).Reshape(2, 3, 4),
        "FourD" => Tensor.Zeros(2, 2, 2, 2),
        "Int64" => Tensor.From(new long[] { -3, 100 }, [2]),
        "Int64Column" => Tensor.From(new long[] { 1, 2, 3, 4 }, [2, 2, 1]),
        "Float64" => Tensor.Arange(30, DType.Float64),
        "Summarized1D" => Tensor.Arange(2000).Reshape(2000),
        "SummarizedOnes" => Tensor.Ones(1001),
        "Summarized2D" => Tensor.Arange(2000).Reshape(20, 100),
        "Summarized3D" => Tensor.Arange(2000).Reshape(5, 20, 20),
        "SummarizedInt64" => Tensor.Arange(2000, DType.Int64).Reshape(2, 1000),
        "Empty" => Tensor.Zeros(0),
        "EmptyFloat64" => Tensor.Zeros([0], DType.Float64),
        "EmptyInt64" => Tensor.Zeros([0], DType.Int64),
        "Empty2D" => Tensor.Zeros(0, 3),
        "RequiresGradLeaf" => Tensor.From(new float[,] { { 0.2325f } }, requiresGrad: true),
        "LongRowRequiresGradFloat64" => Tensor.Full([25], 1.5, DType.Float64, requiresGrad: true),
        "SuffixWrapsToNewLine" => Tensor.Full([13], 1.5, DType.Float64, requiresGrad: true),
        "Float64Matrix" => Tensor.Full([3, 30], 1.5, DType.Float64),
        _ => throw new ArgumentException(name),
    };
}
