using Autograd.Tests.Support;
using Xunit;

namespace Autograd.Tests;

/// <summary>Shape ops: gradients by finite differences, values and shapes against PyTorch 1.13, errors.</summary>
public sealed class TensorShapesTests
{
    public static TheoryData<string> Ops => new()
    {
        "reshape", "reshape_infer", "view", "flatten", "flatten_range", "squeeze", "squeeze_dim", "unsqueeze", "unsqueeze_neg",
        "permute", "transpose", "transpose_neg", "t", "expand", "expand_lead", "slice", "slice_step", "slice_negative",
        "narrow", "select", "select_negative", "index_int", "index_range", "index_select_repeated", "cat", "cat_neg", "stack",
        "stack_last", "split", "chunk", "clone", "contiguous",
    };

    [Theory]
    [MemberData(nameof(Ops))]
    public void ShapeOp_GradientMatchesFiniteDifferences(string op)
    {
        var f = ShapeOp(op);
        GradCheck.Check(xs => f(xs[0]), GradCheck.Input(1, 2, 3, 4));
        // the same op applied to the output of a permute (PyTorch's non-contiguous input)
        GradCheck.Check(xs => f(xs[0].Permute(2, 0, 1)), GradCheck.Input(2, 3, 4, 2));
    }

    [Fact]
    public void SizeOneDims_SqueezeUnsqueezeExpand_GradientMatchesFiniteDifferences()
    {
        GradCheck.Check(xs => xs[0].Squeeze() * 2, GradCheck.Input(3, 1, 3, 1));
        GradCheck.Check(xs => xs[0].Squeeze(2).Expand(2, 4, 3), GradCheck.Input(4, 1, 3, 1));
        GradCheck.Check(xs => xs[0].Expand(5) * xs[0], GradCheck.Input(5, []));
        GradCheck.Check(xs => xs[0].Unsqueeze(0).Expand(3, -1), GradCheck.Input(6, 4));
    }

    [Fact]
    public void Cat_SeveralInputsOfDifferentSizes_GradientMatchesFiniteDifferences()
    {
        GradCheck.Check(xs => Tensor.Cat([xs[0], xs[1].T, xs[2]], 1), GradCheck.Input(7, 2, 3), GradCheck.Input(8, 1, 2), GradCheck.Input(9, 2, 4));
        GradCheck.Check(xs => Tensor.Stack([xs[0], xs[1] * 2, xs[0]], 1), GradCheck.Input(10, 2, 3), GradCheck.Input(11, 2, 3));
    }

    [Fact]
    public void Split_PiecesUsedDifferently_GradientMatchesFiniteDifferences()
    {
        GradCheck.Check(xs =>
        {
            var parts = xs[0].Split(2, 1);
            return parts[0] * parts[1] + parts[2].Sum(1, keepdim: true);
        }, GradCheck.Input(12, 3, 5));
        GradCheck.Check(xs =>
        {
            var parts = xs[0].Chunk(3, 0);
            return parts[0].Sum() + parts[2].Exp().Sum();
        }, GradCheck.Input(13, 7, 2));
    }

    [Fact]
    public void Slices_Values_MatchPyTorch()
    {
        var x = Tensor.Arange(24).Reshape(2, 3, 4);
        // torch: x[:, :, 1::2]
        Assert.Equal([1f, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23], x.Slice(2, 1, null, 2).ToArray());
        // x[:, -2:, ::3]
        var s = x.Slice(1, -2).Slice(2, null, null, 3);
        Assert.Equal([2, 2, 2], s.Shape);
        Assert.Equal([4f, 7, 8, 11, 16, 19, 20, 23], s.ToArray());
        // x.narrow(2, 1, 2)
        Assert.Equal([1f, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22], x.Narrow(2, 1, 2).ToArray());
        // x.select(1, -1)
        var sel = x.Select(1, -1);
        Assert.Equal([2, 4], sel.Shape);
        Assert.Equal([8f, 9, 10, 11, 20, 21, 22, 23], sel.ToArray());
        Assert.Equal([3, 4], x[1].Shape);
        Assert.Equal([1, 3, 4], x[0..1].Shape);
        Assert.Equal([12f, 13, 14, 15], x[1][0].ToArray());
        // x.index_select(2, [3, 0, 3])
        Assert.Equal(
            [3f, 0, 3, 7, 4, 7, 11, 8, 11, 15, 12, 15, 19, 16, 19, 23, 20, 23],
            x.IndexSelect(2, Tensor.From(new long[] { 3, 0, 3 })).ToArray());
        var r = Tensor.Arange(10);
        // arange(10)[-3:], [2:100:3], [-100:2], [5:2]
        Assert.Equal([7f, 8, 9], r.Slice(0, -3).ToArray());
        Assert.Equal([2f, 5, 8], r.Slice(0, 2, 100, 3).ToArray());
        Assert.Equal([0f, 1], r.Slice(0, -100, 2).ToArray());
        Assert.Empty(r.Slice(0, 5, 2).ToArray());
        Assert.Equal([7f, 8, 9], r[^3..].ToArray());
    }

    [Fact]
    public void IndexSelect_RepeatedIndices_AccumulateGradient()
    {
        var x = Tensor.From(new[] { 1.0, 2.0, 3.0 }, [3], requiresGrad: true);
        x.IndexSelect(0, Tensor.From(new long[] { 2, 0, 2, 2 })).Sum().Backward();
        Assert.Equal([1.0, 0.0, 3.0], x.Grad!.ToArray<double>());
        GradCheck.Check(xs => xs[0].IndexSelect(1, Tensor.From(new long[] { 1, 1, 0, 3 })), GradCheck.Input(14, 2, 4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.IndexSelect(0, Tensor.From(new long[] { 3 })));
        Assert.Throws<ArgumentException>(() => x.IndexSelect(0, Tensor.From(new[] { 0f })));
    }

    [Fact]
    public void Shapes_MatchPyTorch()
    {
        var x = Tensor.Zeros(2, 3, 4);
        // torch.cat([x, x[:, :1]], 1).shape, torch.stack([x, x], -1).shape
        Assert.Equal([2, 4, 4], Tensor.Cat([x, x.Slice(1, 0, 1)], 1).Shape);
        Assert.Equal([2, 3, 4, 2], Tensor.Stack([x, x], -1).Shape);
        // x.split(3, 2) -> [2,3,3], [2,3,1]; x.chunk(2, 1) -> [2,2,4], [2,1,4]; arange(5).chunk(3) -> [2], [2], [1]
        Assert.Equal([[2, 3, 3], [2, 3, 1]], x.Split(3, 2).Select(t => t.Shape));
        Assert.Equal([[2, 2, 4], [2, 1, 4]], x.Chunk(2, 1).Select(t => t.Shape));
        Assert.Equal([[2], [2], [1]], Tensor.Arange(5).Chunk(3).Select(t => t.Shape));
        // squeeze / unsqueeze / flatten
        Assert.Equal([3, 1], Tensor.Zeros(1, 3, 1).Squeeze(0).Shape);
        Assert.Equal([1, 3, 1], Tensor.Zeros(1, 3, 1).Squeeze(1).Shape);
        Assert.Equal([3], Tensor.Zeros(1, 3, 1).Squeeze().Shape);
        Assert.Equal([3, 1], Tensor.Zeros(3).Unsqueeze(-1).Shape);
        Assert.Equal([2, 12], x.Flatten(1).Shape);
        Assert.Equal([6, 4], x.Flatten(0, 1).Shape);
        Assert.Equal([1], Tensor.Scalar(3).Flatten().Shape);
        Assert.Equal([3, 4], Tensor.Zeros(3, 1).Expand(-1, 4).Shape);
        Assert.Equal([2, 3, 4], Tensor.Zeros(3, 1).Expand(2, 3, 4).Shape);
        Assert.Equal([4, 2, 3], x.Permute(2, 0, 1).Shape);
        Assert.Equal([4, 3, 2], x.Transpose(0, -1).Shape);
        Assert.Equal([3, 2], Tensor.Zeros(2, 3).T.Shape);
        Assert.Equal([5], Tensor.Zeros(5).T.Shape);
        Assert.Equal([4, 6], x.Reshape(4, -1).Shape);
        Assert.Equal([24], x.View(-1).Shape);
    }

    [Fact]
    public void Permute_Values_MatchPyTorch()
    {
        var x = Tensor.Arange(6).Reshape(2, 3);
        // torch.arange(6.).reshape(2, 3).t() -> [[0, 3], [1, 4], [2, 5]]
        Assert.Equal([0f, 3, 1, 4, 2, 5], x.T.ToArray());
        // torch.arange(24.).reshape(2, 3, 4).permute(2, 0, 1)[1] -> [[1, 5, 9], [13, 17, 21]]
        Assert.Equal([1f, 5, 9, 13, 17, 21], Tensor.Arange(24).Reshape(2, 3, 4).Permute(2, 0, 1)[1].ToArray());
        // expand of a column: [[0, 0, 0], [1, 1, 1]]
        Assert.Equal([0f, 0, 0, 1, 1, 1], Tensor.Arange(2).Reshape(2, 1).Expand(2, 3).ToArray());
    }

    [Fact]
    public void GradFnNames_MatchPyTorch113()
    {
        // torch 1.13: the grad_fn class name of each op on a [3, 4] leaf
        var x = Tensor.Zeros([3, 4], DType.Float32, requiresGrad: true);
        Assert.Equal("ReshapeAliasBackward0", x.Reshape(2, 6).GradFn!.Name);
        Assert.Equal("ViewBackward0", x.View(12).GradFn!.Name);
        Assert.Equal("ReshapeAliasBackward0", x.Flatten().GradFn!.Name);
        Assert.Equal("PermuteBackward0", x.Permute(1, 0).GradFn!.Name);
        Assert.Equal("TBackward0", x.T.GradFn!.Name);
        Assert.Equal("TransposeBackward0", x.Transpose(0, 1).GradFn!.Name);
        Assert.Equal("ExpandBackward0", x.Expand(2, 3, 4).GradFn!.Name);
        Assert.Equal("SliceBackward0", x.Slice(1, 1).GradFn!.Name);
        Assert.Equal("SliceBackward0", x.Narrow(0, 0, 1).GradFn!.Name);
        Assert.Equal("SelectBackward0", x[1].GradFn!.Name);
        Assert.Equal("IndexSelectBackward0", x.IndexSelect(0, Tensor.From(new long[] { 0 })).GradFn!.Name);
        Assert.Equal("CatBackward0", Tensor.Cat([x, x]).GradFn!.Name);
        Assert.Equal("StackBackward0", Tensor.Stack([x, x]).GradFn!.Name);
        Assert.Equal("UnsqueezeBackward0", x.Unsqueeze(0).GradFn!.Name);
        Assert.Equal("SqueezeBackward0", x.Squeeze().GradFn!.Name);
        Assert.Equal("SqueezeBackward1", x.Squeeze(0).GradFn!.Name);
    }

    [Fact]
    public void Reshape_SharesStorage_PermuteCopies()
    {
        var x = Tensor.Zeros(2, 3);
        var view = x.Reshape(6);
        var permuted = x.Permute(1, 0);
        view.Fill_(5);
        Assert.All(x.ToArray(), v => Assert.Equal(5f, v));
        Assert.All(permuted.ToArray(), v => Assert.Equal(0f, v));
        Assert.Same(x, x.Contiguous());
        // a view outlives the tensor it came from: the storage is reference counted
        x.Dispose();
        Assert.Equal(5f, view.ToArray()[0]);
    }

    [Theory]
    [InlineData("reshape", "Reshape", "[4, 2]", "[2, 3]")]
    [InlineData("reshape_two_infer", "Reshape", "[-1, -1]", "[-1, -1]")]
    [InlineData("view", "View", "[7]", "[2, 3]")]
    [InlineData("expand", "Expand", "[4, 3]", "[2, 3]")]
    [InlineData("expand_fewer", "Expand", "[3]", "[2, 3]")]
    [InlineData("permute", "Permute", "[2, 3]", "1")]
    [InlineData("permute_repeat", "Permute", "[0, 0]", "[0, 0]")]
    [InlineData("cat", "Cat", "[2, 3]", "[2, 4]")]
    [InlineData("cat_rank", "Cat", "[2, 3]", "[3]")]
    [InlineData("stack", "Stack", "[2, 3]", "[2, 4]")]
    [InlineData("flatten", "Flatten", "[2, 3]", "end_dim")]
    [InlineData("slice_step", "Slice", "step", "0")]
    public void BadShapes_ThrowNamingOpAndShapes(string c, string op, string part1, string part2)
    {
        var x = Tensor.Zeros(2, 3);
        var ex = Assert.ThrowsAny<ArgumentException>(() => c switch
        {
            "reshape" => x.Reshape(4, 2),
            "reshape_two_infer" => x.Reshape(-1, -1),
            "view" => x.View(7),
            "expand" => x.Expand(4, 3),
            "expand_fewer" => x.Expand(3),
            "permute" => x.Permute(0),
            "permute_repeat" => x.Permute(0, 0),
            "cat" => Tensor.Cat([x, Tensor.Zeros(2, 4)]),
            "cat_rank" => Tensor.Cat([x, Tensor.Zeros(3)]),
            "stack" => Tensor.Stack([x, Tensor.Zeros(2, 4)]),
            "flatten" => x.Flatten(1, 0),
            _ => x.Slice(0, 0, 2, 0),
        });
        Assert.Contains(op, ex.Message);
        Assert.Contains(part1, ex.Message);
        Assert.Contains(part2, ex.Message);
    }

    [Fact]
    public void DimsAndIndicesOutOfRange_Throw()
    {
        var x = Tensor.Zeros(2, 3);
        var ex = Assert.ThrowsAny<ArgumentException>(() => x.Select(0, 2));
        Assert.Contains("out of bounds", ex.Message);
        Assert.ThrowsAny<ArgumentException>(() => x[-3]);
        Assert.ThrowsAny<ArgumentException>(() => x.Transpose(0, 2));
        Assert.ThrowsAny<ArgumentException>(() => x.Unsqueeze(3));
        Assert.ThrowsAny<ArgumentException>(() => x.Squeeze(2));
        Assert.ThrowsAny<ArgumentException>(() => x.Slice(-3));
        Assert.ThrowsAny<ArgumentException>(() => Tensor.Cat([x, x], 2));
        Assert.ThrowsAny<ArgumentException>(() => Tensor.Stack([x, x], 3));
        Assert.ThrowsAny<ArgumentException>(() => Tensor.Cat(Array.Empty<Tensor>()));
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2, 3, 4).T);
        // torch: tensor(3.)[0] -> "invalid index of a 0-dim tensor"
        var zeroDim = Assert.Throws<ArgumentException>(() => Tensor.Scalar(3)[0]);
        Assert.Contains("0-dim", zeroDim.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Cat([Tensor.Scalar(1), Tensor.Scalar(2)]));
        Assert.Equal([2], Tensor.Stack([Tensor.Scalar(1), Tensor.Scalar(2)]).Shape);
    }

    [Fact]
    public void Cat_MixedDTypes_Promotes()
    {
        var y = Tensor.Cat([Tensor.Ones(2), Tensor.Zeros([1], DType.Float64)]);
        Assert.Equal(DType.Float64, y.DType);
        Assert.Equal([1.0, 1.0, 0.0], y.ToArray<double>());
        var ints = Tensor.Cat([Tensor.From(new long[] { 1 }), Tensor.From(new long[] { 2, 3 })]);
        Assert.Equal([1L, 2L, 3L], ints.ToArray<long>());
    }

    internal static Func<Tensor, Tensor> ShapeOp(string op) => op switch
    {
        // each works on any [a, b, c] input whose dims are at least 2
        "reshape" => x => x.Reshape(x.Shape[2], x.Shape[0] * x.Shape[1]),
        "reshape_infer" => x => x.Reshape(-1, 2),
        "view" => x => x.View(-1),
        "flatten" => x => x.Flatten(),
        "flatten_range" => x => x.Flatten(1, 2),
        "squeeze" => x => x.Unsqueeze(1).Squeeze(),
        "squeeze_dim" => x => x.Unsqueeze(-1).Squeeze(-1),
        "unsqueeze" => x => x.Unsqueeze(0) * Tensor.Arange(3, DType.Float64).Reshape(3, 1, 1, 1),
        "unsqueeze_neg" => x => x.Unsqueeze(-2),
        "permute" => x => x.Permute(1, 2, 0),
        "transpose" => x => x.Transpose(0, 1),
        "transpose_neg" => x => x.Transpose(-1, -3),
        "t" => x => x.Flatten(1).T,
        "expand" => x => x.Unsqueeze(1).Expand(-1, 3, -1, -1),
        "expand_lead" => x => x.Slice(2, 0, 1).Expand(2, x.Shape[0], x.Shape[1], 3),
        "slice" => x => x.Slice(1, 1),
        "slice_step" => x => x.Slice(2, 0, null, 2),
        "slice_negative" => x => x.Slice(-1, -3, -1),
        "narrow" => x => x.Narrow(1, 1, 2),
        "select" => x => x.Select(2, 1),
        "select_negative" => x => x.Select(-2, -1),
        "index_int" => x => x[1] * x[0],
        "index_range" => x => x[1..],
        "index_select_repeated" => x => x.IndexSelect(1, Tensor.From(new long[] { 0, 1, 0, 1 })),
        "cat" => x => Tensor.Cat([x, x * 2, x.Slice(0, 0, 1)], 0),
        "cat_neg" => x => Tensor.Cat([x.Slice(-1, 0, 1), x], -1),
        "stack" => x => Tensor.Stack([x, x.Exp()]),
        "stack_last" => x => Tensor.Stack([x, x * x], -1),
        "split" => x => x.Split(1, 1)[1],
        "chunk" => x => x.Chunk(2, 2)[^1],
        "clone" => x => x.Clone(),
        _ => x => x.Contiguous(),
    };
}
