using Autograd.Tests.Support;
using Xunit;

namespace Autograd.Tests.Graph;

/// <summary>Autograd semantics as PyTorch defines them: what backward fills, frees, refuses and accumulates.</summary>
public sealed class BackwardEngineTests
{
    [Fact]
    public void SeedExample_WxPlusB_GradientsPrintAsPyTorch()
    {
        // The seed notebook: x = torch.tensor([2.], requires_grad=True); w = 3; b = 1; y = w * x + b; y.backward()
        var x = Tensor.From(new[] { 2f }, requiresGrad: true);
        var w = Tensor.From(new[] { 3f }, requiresGrad: true);
        var b = Tensor.From(new[] { 1f }, requiresGrad: true);
        var y = w * x + b;
        y.Backward();
        Assert.Equal("tensor([3.])", x.Grad!.ToString());
        Assert.Equal("tensor([2.])", w.Grad!.ToString());
        Assert.Equal("tensor([1.])", b.Grad!.ToString());
        Assert.Equal("tensor([7.], grad_fn=<AddBackward0>)", y.ToString());
    }

    [Fact]
    public void RequiresGrad_PropagatesThroughOps_LeavesAreUserTensors()
    {
        var a = Tensor.Ones([2], DType.Float32, requiresGrad: true);
        var c = Tensor.Ones(2);
        var y = a * c;
        var z = c * 2;
        Assert.True(y.RequiresGrad);
        Assert.False(y.IsLeaf);
        Assert.NotNull(y.GradFn);
        Assert.False(z.RequiresGrad);
        Assert.True(z.IsLeaf);
        Assert.True(a.IsLeaf);
        Assert.True(c.IsLeaf);
        Assert.Equal("MulBackward0", y.GradFn!.Name);
        Assert.Equal("<MulBackward0>", y.GradFn.ToString());
    }

    [Fact]
    public void Backward_OnlyLeavesKeepGrad_UnlessRetainGrad()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 }, [2], requiresGrad: true);
        var h = x * 3;
        var kept = x.Exp();
        kept.RetainGrad();
        Assert.True(kept.RetainsGrad);
        var loss = (h * kept).Sum();
        loss.Backward();
        Assert.Null(h.Grad);
        Assert.Null(loss.Grad);
        Assert.NotNull(x.Grad);
        // d loss / d kept = h = 3x
        Assert.Equal([3.0, 6.0], kept.Grad!.ToArray<double>());
        // retain_grad on a leaf is a no-op; on a tensor that does not require grad it is an error
        x.RetainGrad();
        Assert.Throws<InvalidOperationException>(() => Tensor.Ones(1).RetainGrad());
    }

    [Fact]
    public void Backward_TwiceWithRetainGraph_AccumulatesIntoGrad()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 }, [2], requiresGrad: true);
        var y = (x * x).Sum();
        y.Backward(retainGraph: true);
        Assert.Equal([2.0, 4.0], x.Grad!.ToArray<double>());
        y.Backward();
        Assert.Equal([4.0, 8.0], x.Grad.ToArray<double>());
        // a fresh graph accumulates into the same Grad as well
        (x * 5).Sum().Backward();
        Assert.Equal([9.0, 13.0], x.Grad.ToArray<double>());
    }

    [Fact]
    public void Backward_ThroughFreedGraph_ThrowsMentioningRetainGraph()
    {
        var x = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        var y = (x * 2).Sum();
        y.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("second time", ex.Message);
        Assert.Contains("retainGraph", ex.Message);
        Assert.False(y.GradFn!.HasSavedState);
    }

    [Fact]
    public void Backward_NonScalarWithoutGradient_ThrowsMentioningScalarOutputs()
    {
        var y = Tensor.Ones([2, 3], DType.Float32, requiresGrad: true) * 2;
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("scalar outputs", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
    }

    [Fact]
    public void Backward_WithGradientArgument_WeightsTheOutputs()
    {
        var x = Tensor.From(new[] { 1.0, 2.0, 3.0 }, [3], requiresGrad: true);
        var y = x * x;
        var gradient = Tensor.From(new[] { 1.0, 0.5, -1.0 });
        y.Backward(gradient);
        Assert.Equal([2.0, 2.0, -6.0], x.Grad!.ToArray<double>());
        // the user's gradient tensor is left as it was
        Assert.Equal([1.0, 0.5, -1.0], gradient.ToArray<double>());
        var wrongShape = Assert.Throws<ArgumentException>(() => (x * 2).Backward(Tensor.Ones(2)));
        Assert.Contains("[2]", wrongShape.Message);
        Assert.Contains("[3]", wrongShape.Message);
    }

    [Fact]
    public void Backward_UserGradientIsNeverWrittenOrAliased()
    {
        // A leaf root hands the seed straight to Grad, and an Add passes it through: neither may be the user's tensor.
        var x = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        var gradient = Tensor.From(new[] { 5f, 6f });
        (x + x).Backward(gradient);
        x.Backward(gradient);
        Assert.Equal([15f, 18f], x.Grad!.ToArray());
        Assert.Equal([5f, 6f], gradient.ToArray());
    }

    [Fact]
    public void Backward_OnTensorNotRequiringGrad_Throws()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Tensor.Ones(1).Backward());
        Assert.Contains("does not require grad", ex.Message);
    }

    [Fact]
    public void Backward_OnLeaf_SetsItsOwnGrad()
    {
        var x = Tensor.From(new[] { 3f }, requiresGrad: true);
        x.Backward();
        Assert.Equal([1f], x.Grad!.ToArray());
    }

    [Fact]
    public void SameTensorUsedTwice_GetsSummedGradient()
    {
        var x = Tensor.From(new[] { 3.0, -1.0 }, [2], requiresGrad: true);
        (x * x).Sum().Backward();
        Assert.Equal([6.0, -2.0], x.Grad!.ToArray<double>());
        x.Grad = null;
        (x + x).Sum().Backward();
        Assert.Equal([2.0, 2.0], x.Grad!.ToArray<double>());
        x.Grad = null;
        (x - x).Sum().Backward();
        Assert.Equal([0.0, 0.0], x.Grad!.ToArray<double>());
        x.Grad = null;
        (x / x).Sum().Backward();
        Assert.Equal([0.0, 0.0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void DiamondGraph_GradientMatchesFiniteDifferences()
    {
        // x -> a, b -> c = a * b -> d = c + a: a reaches the output along two paths
        GradCheck.Check(xs =>
        {
            var a = xs[0].Exp();
            var b = xs[0].Tanh() * xs[1];
            var c = a * b;
            return (c + a).Sum(0) + b.Mean();
        }, GradCheck.Input(1, 3, 2), GradCheck.Input(2, 2));
        var x = Tensor.From(new[] { 2.0 }, [1], requiresGrad: true);
        var a = x * 3;
        var left = a * a;
        var right = a + 1;
        (left + right).Sum().Backward();
        // d/dx (9x^2 + 3x + 1) = 18x + 3
        Assert.Equal([39.0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void DeepChain_TenThousandOps_BackpropagatesWithoutStackOverflow()
    {
        var x = Tensor.From(new[] { 1.0 }, [1], requiresGrad: true);
        var y = x;
        for (int i = 0; i < 10_000; i++) y = y * 1.0001 + 0.0;
        y.Sum().Backward();
        Assert.Equal(Math.Pow(1.0001, 10_000), x.Grad!.ToArray<double>()[0], 1e-9);
    }

    [Fact]
    public void GradientPassedThroughToTwoInputs_NeverAliasesOneBuffer()
    {
        // Add hands its incoming gradient on unchanged to both inputs: each leaf must own its own buffer.
        var a = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        var b = Tensor.From(new[] { 3f, 4f }, requiresGrad: true);
        (a + b).Sum().Backward();
        AssertIndependent(a.Grad!, b.Grad!);

        // A leaf used in two branches, plus a reshape (a view of the gradient) and a retained intermediate.
        var x = Tensor.From(new[] { 1f, 2f, 3f, 4f }, requiresGrad: true);
        var c = Tensor.From(new[] { 1f, 1f, 1f, 1f }, requiresGrad: true);
        var h = x + c;
        h.RetainGrad();
        var y = h.Reshape(2, 2) + x.Reshape(2, 2);
        y.Sum().Backward();
        Assert.Equal([2f, 2f, 2f, 2f], x.Grad!.ToArray());
        AssertIndependent(x.Grad!, c.Grad!);
        AssertIndependent(x.Grad!, h.Grad!);
        AssertIndependent(c.Grad!, h.Grad!);

        // a second backward accumulates into each grad separately
        var before = c.Grad!.ToArray();
        (x * 1).Sum().Backward();
        Assert.Equal(before, c.Grad!.ToArray());
    }

    [Fact]
    public void LeafAndNodeSharingAPassedThroughGradient_EachGetTheirSum()
    {
        // Add hands g to the leaf x (which already has a Grad from b) and to Exp's node: the leaf's accumulation must
        // neither free nor change the buffer the Exp node still has to read.
        var x = Tensor.From(new[] { 0.5, 1.5 }, [2], requiresGrad: true);
        var a = x + x.Exp();
        var b = x * 3;
        (a + b).Sum().Backward();
        Assert.Equal(4 + Math.Exp(0.5), x.Grad!.ToArray<double>()[0], 1e-14);
        Assert.Equal(4 + Math.Exp(1.5), x.Grad.ToArray<double>()[1], 1e-14);
        GradCheck.Check(xs => (xs[0] + xs[0].Exp()) + (xs[0] * 3) + xs[1] + (xs[1] + xs[0]).Tanh(), GradCheck.Input(3, 3), GradCheck.Input(4, 3));
    }

    [Fact]
    public void RootGradient_PassedThroughToLeafAndRetainedRoot_AreIndependent()
    {
        var x = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        var y = x.Reshape(2);
        y.RetainGrad();
        y.Backward(Tensor.Ones(2));
        AssertIndependent(x.Grad!, y.Grad!);
    }

    [Fact]
    public void Detach_SharesStorageAndCutsTheGraph()
    {
        var x = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        var y = x * 2;
        var d = y.Detach();
        Assert.False(d.RequiresGrad);
        Assert.Null(d.GradFn);
        Assert.True(d.IsLeaf);
        // (y + d): d contributes no gradient
        (y + d * 10).Sum().Backward();
        Assert.Equal([2f, 2f], x.Grad!.ToArray());
        // shared storage: writing through the detached tensor changes y
        d.Fill_(7);
        Assert.Equal([7f, 7f], y.ToArray());
    }

    [Fact]
    public void RequiresGrad_OfNonLeaf_CannotBeTurnedOff()
    {
        var y = Tensor.Ones([2], DType.Float32, requiresGrad: true) * 2;
        var ex = Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
        Assert.Contains("leaf", ex.Message);
        y.RequiresGrad = true; // already true: allowed, as in PyTorch
        var leaf = Tensor.Ones(2).RequiresGrad_();
        Assert.True(leaf.RequiresGrad);
        leaf.RequiresGrad = false;
        Assert.False(leaf.RequiresGrad);
    }

    [Fact]
    public void InPlaceChangeOfSavedOutput_ThrowsWithVersions()
    {
        // torch: y = x.exp(); y.mul_(2); y.sum().backward() ->
        // "... modified by an inplace operation: [torch.FloatTensor [2]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead."
        var x = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        var y = x.Exp();
        y.Mul_(2);
        var ex = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("modified by an inplace operation", ex.Message);
        Assert.Contains("output 0 of ExpBackward0", ex.Message);
        Assert.Contains("is at version 1; expected version 0 instead", ex.Message);
    }

    [Fact]
    public void InPlaceChangeOfSavedInput_ThrowsWithVersions()
    {
        // torch: a = tensor([1., 2.]); w = tensor([3., 4.], requires_grad=True); y = a * w; a.add_(1); backward ->
        // "... modified by an inplace operation: [torch.FloatTensor [2]] is at version 1; expected version 0 instead."
        var a = Tensor.From(new[] { 1f, 2f });
        var w = Tensor.From(new[] { 3f, 4f }, requiresGrad: true);
        var y = a * w;
        a.Add_(Tensor.Ones(2));
        var ex = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("modified by an inplace operation", ex.Message);
        Assert.Contains("[torch.float32 [2]] is at version 1; expected version 0 instead", ex.Message);
    }

    [Fact]
    public void InPlaceChangeOfAnAddInput_IsFine_AsInPyTorch()
    {
        // Add never reads its inputs' values in backward, so changing them afterwards is harmless (PyTorch agrees).
        var a = Tensor.From(new[] { 1f, 2f });
        var w = Tensor.From(new[] { 3f, 4f }, requiresGrad: true);
        var y = (a + w) * 2;
        a.Add_(Tensor.Ones(2));
        y.Sum().Backward();
        Assert.Equal([2f, 2f], w.Grad!.ToArray());
    }

    [Fact]
    public void InPlaceChangeOfAnOutputNoRuleReads_StillThrows_RatherThanAWrongGradient()
    {
        // In PyTorch mul_ would be recorded and the gradient would be 2 * 3; here in-place ops are not recorded, so
        // the engine refuses instead of silently returning 2.
        var x = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        var y = x * 2;
        y.Mul_(3);
        var ex = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("output 0 of MulBackward0", ex.Message);
        // writing through a detached alias counts too (same storage, same version counter)
        var z = x.Exp();
        z.Detach().Fill_(0);
        Assert.Throws<InvalidOperationException>(() => z.Sum().Backward());
    }

    [Fact]
    public void InPlaceOnLeafRequiringGrad_ThrowsOutsideNoGrad()
    {
        var w = Tensor.From(new[] { 1f }, requiresGrad: true);
        var ex = Assert.Throws<InvalidOperationException>(() => w.Add_(Tensor.Ones(1)));
        Assert.Contains("leaf Variable that requires grad", ex.Message);
    }

    [Fact]
    public void SavedTensorDisposedBeforeBackward_ThrowsObjectDisposed_UnsavedOnesMayGo()
    {
        var x = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        // Exp's rule reads only its output, so its input h may go early (as in PyTorch, which saves only the result).
        var h = x * x;
        var y = h.Exp();
        h.Dispose();
        y.Sum().Backward();
        Assert.Equal(2 * MathF.Exp(1) * 1, x.Grad!.ToArray()[0], 1e-4f);
        var a = Tensor.From(new[] { 1f, 2f });
        var z = a * x;
        a.Dispose();
        var ex = Assert.Throws<ObjectDisposedException>(() => z.Sum().Backward());
        Assert.Contains("MulBackward0", ex.Message);
    }

    [Fact]
    public void GradAssignment_ChecksShapeAndDType()
    {
        var x = Tensor.Zeros([2, 3], DType.Float32, requiresGrad: true);
        x.Grad = Tensor.Ones(2, 3);
        Assert.Equal(6f, x.Grad.Sum().Item());
        Assert.Throws<ArgumentException>(() => x.Grad = Tensor.Ones(3, 2));
        Assert.Throws<ArgumentException>(() => x.Grad = Tensor.Ones([2, 3], DType.Float64));
        x.Grad = null;
        Assert.Null(x.Grad);
    }

    [Fact]
    public void DetachInPlace_MakesALeafThatNoLongerRequiresGrad()
    {
        var x = Tensor.From(new[] { 1f }, requiresGrad: true);
        var y = x * 2;
        y.Detach_();
        Assert.True(y.IsLeaf);
        Assert.False(y.RequiresGrad);
        Assert.False((y * 3).RequiresGrad);
    }

    [Fact]
    public void MixedPrecisionGraph_GradientKeepsEachLeafsDType()
    {
        var a = Tensor.From(new[] { 1f, 2f }, requiresGrad: true);
        var b = Tensor.From(new[] { 0.5, 0.25 }, [2], requiresGrad: true);
        (a.Double() * b).Sum().Backward();
        Assert.Equal(DType.Float32, a.Grad!.DType);
        Assert.Equal([0.5f, 0.25f], a.Grad.ToArray());
        Assert.Equal([1.0, 2.0], b.Grad!.ToArray<double>());
    }

    private static void AssertIndependent(Tensor g1, Tensor g2)
    {
        var before = g2.ToArray();
        using (Tensor.NoGrad()) g1.Add_(Tensor.Full(g1.Shape, 100, g1.DType));
        Assert.Equal(before, g2.ToArray());
    }
}
