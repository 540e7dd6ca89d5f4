using System.Diagnostics;
using Autograd.Backends.Cpu.Threading;
using Xunit;

namespace Autograd.Tests.Backends.Cpu;

/// <summary>Tests that change the global pool configuration run in this non-parallel collection.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CpuParallelCollection
{
    public const string Name = "CpuParallel (global thread settings)";
}

[Collection(CpuParallelCollection.Name)]
public sealed unsafe class CpuParallelTests
{
    private struct MarkBody : IParallelBody
    {
        public int* Hits;
        public int* ThreadIds;
        public readonly void Invoke(int index)
        {
            Interlocked.Increment(ref Hits[index]);
            ThreadIds[index] = Environment.CurrentManagedThreadId;
        }
    }

    private struct RangeBody : IParallelRangeBody
    {
        public int* Hits;
        public int* Calls;
        public int MinChunk;
        public readonly void Invoke(int start, int end)
        {
            Interlocked.Increment(ref *Calls);
            Assert.True(end - start >= MinChunk || end - start == 0 || MinChunk == 0);
            for (int i = start; i < end; i++)
                Interlocked.Increment(ref Hits[i]);
        }
    }

    private struct ThrowingBody : IParallelBody
    {
        public int ThrowAt;
        public readonly void Invoke(int index)
        {
            if (index == ThrowAt)
                throw new InvalidOperationException($"boom {index}");
        }
    }

    private struct NestedBody : IParallelBody
    {
        public int* Hits; // Outer x Inner
        public int Inner;
        public readonly void Invoke(int index)
        {
            var inner = new MarkInnerBody { Hits = Hits + index * Inner };
            CpuParallel.For(Inner, ref inner);
        }
    }

    private struct MarkInnerBody : IParallelBody
    {
        public int* Hits;
        public readonly void Invoke(int index)
        {
            Assert.True(CpuParallel.IsInParallelRegion);
            Interlocked.Increment(ref Hits[index]);
        }
    }

    private struct SpinBody : IParallelBody
    {
        public readonly void Invoke(int index) => Thread.SpinWait(50);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(2, 1000)]
    [InlineData(4, 7)]
    [InlineData(3, 12345)]
    public void For_RunsEveryIndexExactlyOnce(int threads, int count)
    {
        WithThreads(threads, () =>
        {
            int[] hits = new int[Math.Max(1, count)], ids = new int[Math.Max(1, count)];
            fixed (int* h = hits, t = ids)
            {
                var body = new MarkBody { Hits = h, ThreadIds = t };
                CpuParallel.For(count, ref body);
            }
            for (int i = 0; i < count; i++)
                Assert.Equal(1, hits[i]);
        });
    }

    [Fact]
    public void For_UsesWorkerThreads()
    {
        WithThreads(2, () =>
        {
            // Items long enough that a woken worker gets some of them.
            const int count = 20000;
            int[] hits = new int[count], ids = new int[count];
            bool sawOther = false;
            for (int attempt = 0; attempt < 50 && !sawOther; attempt++)
            {
                fixed (int* h = hits, t = ids)
                {
                    var body = new MarkBody { Hits = h, ThreadIds = t };
                    CpuParallel.For(count, ref body);
                }
                sawOther = ids.Distinct().Count() > 1;
            }
            Assert.True(sawOther, "no item ran on a pool worker");
        });
    }

    [Theory]
    [InlineData(1, 100, 10)]
    [InlineData(2, 100, 10)]
    [InlineData(2, 5, 10)]
    [InlineData(3, 1_000_001, 1000)]
    [InlineData(2, 17, 0)]
    public void ForRange_CoversRangeWithGrain(int threads, int length, int grain)
    {
        WithThreads(threads, () =>
        {
            int[] hits = new int[length];
            int calls = 0;
            fixed (int* h = hits)
            {
                var body = new RangeBody { Hits = h, Calls = &calls, MinChunk = Math.Min(grain, length) };
                CpuParallel.ForRange(length, grain, ref body);
            }
            Assert.All(hits, x => Assert.Equal(1, x));
            Assert.Equal(CpuParallel.ChunkCount(length, grain), calls);
            Assert.InRange(calls, 1, threads);
        });
    }

    [Fact]
    public void ChunkHelpers_SplitEvenly()
    {
        WithThreads(4, () =>
        {
            Assert.Equal(0, CpuParallel.ChunkCount(0, 10));
            Assert.Equal(1, CpuParallel.ChunkCount(15, 10));
            Assert.Equal(2, CpuParallel.ChunkCount(20, 10));
            Assert.Equal(4, CpuParallel.ChunkCount(1000, 10));
            Assert.Equal(4, CpuParallel.ChunkCount(1000, 0));
            int covered = 0, previousEnd = 0;
            for (int i = 0; i < 7; i++)
            {
                var (start, end) = CpuParallel.ChunkBounds(100, 7, i);
                Assert.Equal(previousEnd, start);
                Assert.InRange(end - start, 14, 15);
                covered += end - start;
                previousEnd = end;
            }
            Assert.Equal(100, covered);
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(37)]
    [InlineData(999)]
    public void For_PropagatesBodyException(int throwAt)
    {
        WithThreads(2, () =>
        {
            var body = new ThrowingBody { ThrowAt = throwAt };
            var ex = Assert.Throws<InvalidOperationException>(() => CpuParallel.For(1000, ref body));
            Assert.Equal($"boom {throwAt}", ex.Message);

            // The pool is still usable afterwards.
            int[] hits = new int[100], ids = new int[100];
            fixed (int* h = hits, t = ids)
            {
                var ok = new MarkBody { Hits = h, ThreadIds = t };
                CpuParallel.For(100, ref ok);
            }
            Assert.All(hits, x => Assert.Equal(1, x));
        });
    }

    [Fact]
    public void For_NestedCallsRunInlineWithoutDeadlock()
    {
        WithThreads(2, () =>
        {
            const int outer = 64, inner = 33;
            int[] hits = new int[outer * inner];
            var task = Task.Run(() =>
            {
                fixed (int* h = hits)
                {
                    var body = new NestedBody { Hits = h, Inner = inner };
                    CpuParallel.For(outer, ref body);
                }
            });
            Assert.True(task.Wait(TimeSpan.FromSeconds(30)), "nested parallel loop deadlocked");
            Assert.All(hits, x => Assert.Equal(1, x));
            Assert.False(CpuParallel.IsInParallelRegion);
        });
    }

    [Fact]
    public void For_ConcurrentCallersFromSeveralThreadsAllComplete()
    {
        WithThreads(2, () =>
        {
            const int callers = 4, count = 5000;
            int[][] hits = Enumerable.Range(0, callers).Select(_ => new int[count]).ToArray();
            var tasks = Enumerable.Range(0, callers).Select(c => Task.Run(() =>
            {
                int[] ids = new int[count];
                for (int rep = 0; rep < 20; rep++)
                {
                    fixed (int* h = hits[c], t = ids)
                    {
                        var body = new MarkBody { Hits = h, ThreadIds = t };
                        CpuParallel.For(count, ref body);
                    }
                }
            })).ToArray();
            Assert.True(Task.WaitAll(tasks, TimeSpan.FromSeconds(60)), "concurrent callers deadlocked");
            foreach (int[] h in hits)
                Assert.All(h, x => Assert.Equal(20, x));
        });
    }

    [Fact]
    public void For_DoesNotAllocateInSteadyState()
    {
        WithThreads(2, () =>
        {
            int[] hits = new int[256], ids = new int[256];
            int calls = 0;
            fixed (int* h = hits, t = ids)
            {
                var body = new MarkBody { Hits = h, ThreadIds = t };
                var range = new RangeBody { Hits = h, Calls = &calls };
                CpuParallel.For(256, ref body);        // creates the workers
                CpuParallel.ForRange(256, 16, ref range);
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 1000; i++)
                {
                    CpuParallel.For(256, ref body);
                    CpuParallel.ForRange(256, 16, ref range);
                }
                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        });
    }

    [Fact]
    public void For_DispatchOverheadIsSmall()
    {
        WithThreads(2, () =>
        {
            var body = new SpinBody();
            for (int i = 0; i < 2000; i++)
                CpuParallel.For(2, ref body);
            const int calls = 20000;
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++)
                CpuParallel.For(2, ref body);
            double us = sw.Elapsed.TotalMicroseconds / calls;
            // Typically ~1 us with hot workers; the bound leaves room for a loaded CI machine.
            Assert.True(us < 100, $"dispatch took {us:F1} us per call");
        });
    }

    [Fact]
    public void SetThreads_RejectsNonPositive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuParallel.SetThreads(0));
        Assert.True(CpuParallel.DegreeOfParallelism >= 1);
    }

    private static void WithThreads(int threads, Action action)
    {
        int saved = CpuParallel.DegreeOfParallelism;
        CpuParallel.SetThreads(threads);
        try
        {
            action();
        }
        finally
        {
            CpuParallel.SetThreads(saved);
        }
    }
}
