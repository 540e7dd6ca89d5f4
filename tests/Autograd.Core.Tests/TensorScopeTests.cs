using Autograd.Backends.Cpu;
using Xunit;

namespace Autograd.Tests;

/// <summary>Tests that read or reset process-wide state (the CPU buffer pool, the default generator) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalStateCollection
{
    public const string Name = "Autograd.Tests global state (buffer pool, default generator)";
}

/// <summary>TensorScope: what it disposes, what escapes, nesting, and the buffer reuse it exists for.</summary>
[Collection(GlobalStateCollection.Name)]
public sealed class TensorScopeTests
{
    [Fact]
    public void Scope_DisposesTensorsMadeInside()
    {
        var outside = Tensor.Ones(3);
        Tensor inside, derived;
        using (var scope = new TensorScope())
        {
            inside = Tensor.Ones(3);
            derived = inside + outside;
            Assert.True(scope.Count >= 2);
        }

        Assert.True(inside.IsDisposed);
        Assert.True(derived.IsDisposed);
        Assert.False(outside.IsDisposed);
        var ex = Assert.Throws<ObjectDisposedException>(() => inside.ToArray());
        Assert.Contains("disposed", ex.Message);
        Assert.Contains("TensorScope", ex.Message);
    }

    [Fact]
    public void MoveToOuterScope_SurvivesItsScopeAndEveryEnclosingOne()
    {
        // Layers keep their parameters this way, so a model built inside nested scopes must outlive them all.
        Tensor moved, derived;
        using (new TensorScope())
        {
            using (new TensorScope())
            {
                moved = Tensor.Ones(2).MoveToOuterScope();
            }

            Assert.False(moved.IsDisposed);
            using (new TensorScope()) derived = moved * 2;
            Assert.True(derived.IsDisposed);
        }

        Assert.False(moved.IsDisposed);
        Assert.Equal([1f, 1f], moved.ToArray());
        moved.Dispose();
        Assert.True(moved.IsDisposed);
    }

    [Fact]
    public void MoveToOuterScope_WithoutAnEnclosingScope_LeavesTheTensorAlive()
    {
        Tensor t;
        using (new TensorScope()) t = Tensor.Ones(2).MoveToOuterScope();
        Assert.False(t.IsDisposed);
    }

    [Fact]
    public void LeafGrad_MadeInNestedScopes_SurvivesThemAll()
    {
        var w = Tensor.Ones([4], DType.Float32, requiresGrad: true);
        using (new TensorScope())
        {
            using (new TensorScope())
            {
                (w * w).Sum().Backward();
            }

            Assert.False(w.Grad!.IsDisposed);
        }

        Assert.False(w.Grad!.IsDisposed);
        Assert.Equal([2f, 2f, 2f, 2f], w.Grad.ToArray());
        // the next step accumulates into the same surviving Grad
        using (new TensorScope()) (w * 3).Sum().Backward();
        Assert.Equal([5f, 5f, 5f, 5f], w.Grad.ToArray());
    }

    [Fact]
    public void Adopt_DisposesATensorMadeBeforeTheScope()
    {
        var batch = Tensor.Ones(2);
        using (var scope = new TensorScope())
        {
            Assert.Same(batch, scope.Adopt(batch));
        }

        Assert.True(batch.IsDisposed);
        var ended = new TensorScope();
        ended.Dispose();
        ended.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => ended.Adopt(Tensor.Ones(1)));
    }

    [Fact]
    public void Scope_ViewsKeepSharedStorageAliveUntilTheLastIsDisposed()
    {
        var x = Tensor.Arange(6);
        Tensor view;
        using (new TensorScope()) view = x.Reshape(2, 3).MoveToOuterScope();
        Assert.False(view.IsDisposed);
        x.Dispose();
        Assert.Equal([0f, 1, 2, 3, 4, 5], view.ToArray());
    }

    [Fact]
    public async Task Scope_TracksTensorsMadeByTasksStartedInside()
    {
        Tensor[] made;
        using (new TensorScope())
        {
            made = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            {
                Tensor last = Tensor.Ones(1);
                for (int k = 0; k < 200; k++) last = Tensor.Full([4], i);
                return last;
            })));
        }

        Assert.All(made, t => Assert.True(t.IsDisposed));
    }

    [Fact]
    public async Task Scope_DoesNotTrackTensorsOfOtherFlows()
    {
        // A task started before the scope runs on a flow that never saw it.
        using var start = new SemaphoreSlim(0);
        var other = Task.Run(async () =>
        {
            await start.WaitAsync();
            return Tensor.Ones(2);
        });
        Tensor fromOtherFlow;
        using (new TensorScope())
        {
            start.Release();
            fromOtherFlow = await other;
        }

        Assert.False(fromOtherFlow.IsDisposed);
    }

    [Fact]
    public void RepeatedStep_InScope_ReusesPooledBuffers()
    {
        // Odd sizes, so no other test's buffers are mistaken for this one's.
        var x = Tensor.Randn([131, 257], DType.Float32, generator: new Generator(1));
        var w = Tensor.Randn([263, 257], DType.Float32, generator: new Generator(2), requiresGrad: true);
        var b = Tensor.Zeros([263], DType.Float32, requiresGrad: true);
        long tensorBytes = 0;

        void Step(bool measure)
        {
            using var scope = new TensorScope();
            var h = Tensor.Linear(x, w, b).Relu();
            var loss = (h * h).Mean();
            loss.Backward();
            if (measure) tensorBytes = 5L * h.Numel * sizeof(float); // linear out, relu out, h*h, and their gradients (at least)
        }

        Step(measure: true);
        Step(measure: false); // warm: the pool now holds every size a step asks for
        long idleAfterWarmStep = CpuBufferPool.IdleBytes;
        Assert.True(idleAfterWarmStep >= tensorBytes, $"the scope returned {idleAfterWarmStep} bytes to the pool, expected at least {tensorBytes}");

        long before = GC.GetAllocatedBytesForCurrentThread();
        Step(measure: false);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < tensorBytes / 10, $"a warm step allocated {allocated} bytes; its tensors hold {tensorBytes}");
    }
}
