using Xunit;

namespace Autograd.Tests;

/// <summary>NoGrad: scoping, nesting and flow along async code, as torch.no_grad per thread.</summary>
public sealed class GradModeTests
{
    [Fact]
    public void NoGrad_StopsRecordingUntilDisposed()
    {
        var x = Tensor.Ones([2], DType.Float32, requiresGrad: true);
        Assert.True(GradMode.IsEnabled);
        Tensor inside;
        using (Tensor.NoGrad())
        {
            Assert.False(GradMode.IsEnabled);
            inside = x * 2;
        }

        Assert.True(GradMode.IsEnabled);
        Assert.False(inside.RequiresGrad);
        Assert.Null(inside.GradFn);
        Assert.True(inside.IsLeaf);
        Assert.True((x * 2).RequiresGrad);
    }

    [Fact]
    public void NoGrad_Nested_RestoresEachLevel()
    {
        using (Tensor.NoGrad())
        {
            using (GradMode.Set(true))
            {
                Assert.True(GradMode.IsEnabled);
                Assert.True((Tensor.Ones([1], DType.Float32, requiresGrad: true) * 2).RequiresGrad);
                using (Tensor.NoGrad()) Assert.False(GradMode.IsEnabled);
                Assert.True(GradMode.IsEnabled);
            }

            Assert.False(GradMode.IsEnabled);
            using (Tensor.NoGrad()) Assert.False(GradMode.IsEnabled);
            Assert.False(GradMode.IsEnabled);
        }

        Assert.True(GradMode.IsEnabled);
    }

    [Fact]
    public async Task NoGrad_FlowsIntoTaskRun()
    {
        using (Tensor.NoGrad())
        {
            bool enabledInside = await Task.Run(() => GradMode.IsEnabled);
            Assert.False(enabledInside);
        }

        Assert.True(await Task.Run(() => GradMode.IsEnabled));
    }

    [Fact]
    public async Task NoGrad_SetInsideAwaitedMethod_DoesNotLeakOut()
    {
        bool inside = await DisableWithoutRestoring();
        Assert.False(inside);
        Assert.True(GradMode.IsEnabled);

        static async Task<bool> DisableWithoutRestoring()
        {
            GradMode.Set(false); // never disposed: the change belongs to this async method's flow only
            await Task.Yield();
            return GradMode.IsEnabled;
        }
    }

    [Fact]
    public async Task NoGrad_OnOneFlow_DoesNotAffectAnother()
    {
        using var gate = new SemaphoreSlim(0);
        var other = Task.Run(async () =>
        {
            await gate.WaitAsync();
            return GradMode.IsEnabled;
        });
        using (Tensor.NoGrad())
        {
            gate.Release();
            Assert.True(await other);
        }
    }
}
