using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Autograd.Backends.Cpu.Threading;

/// <summary>One work item of <see cref="CpuParallel.For{TBody}(int, ref TBody)"/>.</summary>
internal interface IParallelBody
{
    /// <summary>Runs item <paramref name="index"/>; called concurrently from several threads.</summary>
    void Invoke(int index);
}

/// <summary>One contiguous chunk [start, end) of <see cref="CpuParallel.ForRange{TBody}(int, int, ref TBody)"/>.</summary>
internal interface IParallelRangeBody
{
    /// <summary>Processes elements [<paramref name="start"/>, <paramref name="end"/>); called concurrently.</summary>
    void Invoke(int start, int end);
}

/// <summary>
/// Persistent CPU thread pool for the engine's kernels. <see cref="DegreeOfParallelism"/> - 1 worker
/// threads are created once (lazily); after a job they spin for a short while (so back-to-back kernels
/// are dispatched in a few microseconds) and then block. The calling thread always takes part.
/// </summary>
/// <remarks>
/// Items are handed out dynamically (one shared counter), so uneven items balance themselves.
/// A call made from inside a body (nested), or while another thread owns the pool, runs inline on the
/// calling thread: it never deadlocks, it just loses parallelism. The first exception thrown by a body
/// stops the remaining items and is rethrown on the caller with its original stack trace.
/// Steady-state calls allocate nothing: bodies are structs passed by reference, never boxed.
/// <example>
/// <code>
/// struct Scale : IParallelRangeBody
/// {
///     public float* Data; public float Factor;
///     public void Invoke(int start, int end) { for (int i = start; i &lt; end; i++) Data[i] *= Factor; }
/// }
///
/// var body = new Scale { Data = p, Factor = 2f };
/// CpuParallel.ForRange(length, grainSize: 16384, ref body);   // chunks of >= 16384 elements
/// // or, one item per index:  CpuParallel.For(count, ref itemBody);   (itemBody : IParallelBody)
/// </code>
/// </example>
/// </remarks>
internal static unsafe class CpuParallel
{
    private const int Idle = 0, Posted = 1, Running = 2;
    private const int MaxThreads = 256;

    /// <summary>How long an idle worker spins before blocking: long enough to bridge the gaps between
    /// the kernels of one training step, short enough not to burn a core when the engine is idle.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 4000; // 250 us

    private static readonly object s_gate = new();
    private static int s_dop = InitialDegreeOfParallelism();
    private static Worker[] s_workers = [];
    private static int s_busy; // 1 while some thread owns the pool

    // The current job; written only by the owner while every worker is Idle.
    private static delegate*<void*, int, void> s_fn;
    private static void* s_ctx;
    private static int s_count;
    private static int s_next;
    private static Exception? s_error;

    /// <summary>True on pool workers and on a caller while it runs items, so nested calls run inline.</summary>
    [ThreadStatic] private static bool t_inRegion;

    /// <summary>Number of threads (caller included) a parallel loop uses. Defaults to
    /// <see cref="Environment.ProcessorCount"/>, or the AUTOGRAD_NUM_THREADS environment variable.</summary>
    public static int DegreeOfParallelism => Volatile.Read(ref s_dop);

    /// <summary>True while the current thread is executing a parallel body (nested loops run inline).</summary>
    public static bool IsInParallelRegion => t_inRegion;

    /// <summary>Sets <see cref="DegreeOfParallelism"/> (1 = everything runs on the calling thread).
    /// Extra workers are created on the next parallel call; surplus ones simply stay parked.</summary>
    public static void SetThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Volatile.Write(ref s_dop, Math.Min(threads, MaxThreads));
    }

    /// <summary>Runs <c>body.Invoke(i)</c> for every i in [0, <paramref name="count"/>) in parallel.
    /// The body is copied once to the caller's stack and shared by all threads, so it must only read
    /// its own fields (write through pointers it holds instead).</summary>
    public static void For<TBody>(int count, ref TBody body) where TBody : struct, IParallelBody
    {
        if (count <= 0)
            return;
        if (count == 1 || Volatile.Read(ref s_dop) == 1 || t_inRegion)
        {
            for (int i = 0; i < count; i++)
                body.Invoke(i);
            return;
        }
        TBody local = body; // a stack copy cannot be moved by the GC while workers read it
        Run(count, &InvokeItem<TBody>, Unsafe.AsPointer(ref local));
    }

    /// <summary>Splits [0, <paramref name="length"/>) into at most <see cref="DegreeOfParallelism"/>
    /// contiguous chunks of at least <paramref name="grainSize"/> elements (see <see cref="ChunkCount"/>)
    /// and runs <c>body.Invoke(start, end)</c> on each in parallel.</summary>
    public static void ForRange<TBody>(int length, int grainSize, ref TBody body) where TBody : struct, IParallelRangeBody
    {
        if (length <= 0)
            return;
        int chunks = t_inRegion ? 1 : ChunkCount(length, grainSize);
        if (chunks == 1)
        {
            body.Invoke(0, length);
            return;
        }
        var adapter = new RangeAdapter<TBody> { Body = body, Length = length, Chunks = chunks };
        Run(chunks, &InvokeRange<TBody>, Unsafe.AsPointer(ref adapter));
    }

    /// <summary>Unsafe variant: runs <c>fn(context, i)</c> for i in [0, <paramref name="count"/>).
    /// <paramref name="context"/> must stay valid (pinned or on the stack) until the call returns.</summary>
    public static void For(int count, delegate*<void*, int, void> fn, void* context)
    {
        if (count <= 0)
            return;
        if (count == 1 || Volatile.Read(ref s_dop) == 1 || t_inRegion)
        {
            for (int i = 0; i < count; i++)
                fn(context, i);
            return;
        }
        Run(count, fn, context);
    }

    /// <summary>Number of chunks for <paramref name="length"/> elements: at most
    /// <see cref="DegreeOfParallelism"/>, each at least <paramref name="grainSize"/> elements (min 1).</summary>
    public static int ChunkCount(int length, int grainSize)
    {
        if (length <= 0)
            return 0;
        long byGrain = Math.Max(1, length / (long)Math.Max(1, grainSize));
        return (int)Math.Min(byGrain, DegreeOfParallelism);
    }

    /// <summary>Bounds of chunk <paramref name="index"/> when [0, <paramref name="length"/>) is cut into
    /// <paramref name="chunks"/> near-equal contiguous pieces (sizes differ by at most one).</summary>
    public static (int Start, int End) ChunkBounds(int length, int chunks, int index)
    {
        int start = (int)((long)length * index / chunks);
        int end = (int)((long)length * (index + 1) / chunks);
        return (start, end);
    }

    private static void InvokeItem<TBody>(void* ctx, int index) where TBody : struct, IParallelBody
        => Unsafe.AsRef<TBody>(ctx).Invoke(index);

    private static void InvokeRange<TBody>(void* ctx, int index) where TBody : struct, IParallelRangeBody
    {
        ref RangeAdapter<TBody> r = ref Unsafe.AsRef<RangeAdapter<TBody>>(ctx);
        var (start, end) = ChunkBounds(r.Length, r.Chunks, index);
        r.Body.Invoke(start, end);
    }

    private struct RangeAdapter<TBody> where TBody : struct, IParallelRangeBody
    {
        public TBody Body;
        public int Length;
        public int Chunks;
    }

    private static void Run(int count, delegate*<void*, int, void> fn, void* ctx)
    {
        if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            // Another thread owns the pool (e.g. two tests running kernels at once): run inline.
            RunInline(count, fn, ctx);
            return;
        }

        Exception? error;
        try
        {
            Worker[] workers = EnsureWorkers(Volatile.Read(ref s_dop) - 1);
            int helpers = Math.Min(Math.Min(workers.Length, Volatile.Read(ref s_dop) - 1), count - 1);

            s_fn = fn;
            s_ctx = ctx;
            s_count = count;
            s_error = null;
            Volatile.Write(ref s_next, 0);
            for (int w = 0; w < helpers; w++)
                workers[w].Post();

            t_inRegion = true;
            RunItems();
            t_inRegion = false;

            // Items are all claimed; a worker that never woke up is revoked, a running one is awaited.
            for (int w = 0; w < helpers; w++)
                workers[w].Join();

            error = s_error;
            s_error = null;
            s_fn = null;
            s_ctx = null;
        }
        finally
        {
            t_inRegion = false;
            Volatile.Write(ref s_busy, 0);
        }

        if (error is not null)
            ExceptionDispatchInfo.Throw(error);
    }

    private static void RunInline(int count, delegate*<void*, int, void> fn, void* ctx)
    {
        bool outer = t_inRegion;
        t_inRegion = true;
        try
        {
            for (int i = 0; i < count; i++)
                fn(ctx, i);
        }
        finally
        {
            t_inRegion = outer;
        }
    }

    /// <summary>Claims and runs items of the current job until none are left.</summary>
    private static void RunItems()
    {
        int count = s_count;
        delegate*<void*, int, void> fn = s_fn;
        void* ctx = s_ctx;
        try
        {
            int i;
            while ((i = Interlocked.Increment(ref s_next) - 1) < count)
                fn(ctx, i);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref s_error, e, null);
            Volatile.Write(ref s_next, count); // let everyone stop at their next claim
        }
    }

    private static Worker[] EnsureWorkers(int needed)
    {
        Worker[] workers = Volatile.Read(ref s_workers);
        if (workers.Length >= needed)
            return workers;
        lock (s_gate)
        {
            workers = s_workers;
            if (workers.Length < needed)
            {
                var grown = new Worker[needed];
                Array.Copy(workers, grown, workers.Length);
                for (int i = workers.Length; i < needed; i++)
                    grown[i] = new Worker(i);
                Volatile.Write(ref s_workers, grown);
                workers = grown;
            }
        }
        return workers;
    }

    private static int InitialDegreeOfParallelism()
    {
        string? env = Environment.GetEnvironmentVariable("AUTOGRAD_NUM_THREADS");
        if (int.TryParse(env, out int n) && n >= 1)
            return Math.Min(n, MaxThreads);
        return Math.Max(1, Environment.ProcessorCount);
    }

    /// <summary>
    /// A pool thread with a private mailbox. State goes Idle -> Posted (owner) -> Running (worker claims)
    /// -> Idle (worker done), or Posted -> Idle when the owner revokes a post the worker never claimed.
    /// The owner only rewrites the job while all workers are Idle, so a claimed job is always consistent.
    /// </summary>
    private sealed class Worker
    {
        private int _state;
        private int _sleeping;
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);

        public Worker(int index)
        {
            var thread = new Thread(Loop, maxStackSize: 1 << 20)
            {
                IsBackground = true,
                Name = $"autograd-cpu-{index + 1}",
            };
            thread.Start();
        }

        public void Post()
        {
            Interlocked.Exchange(ref _state, Posted); // full fence: pairs with the worker's _sleeping write
            if (Volatile.Read(ref _sleeping) != 0)
                _wake.Set();
        }

        public void Join()
        {
            if (Interlocked.CompareExchange(ref _state, Idle, Posted) == Posted)
                return; // revoked before the worker claimed it
            var spin = new SpinWait();
            while (Volatile.Read(ref _state) != Idle)
                spin.SpinOnce(sleep1Threshold: -1);
        }

        private void Loop()
        {
            t_inRegion = true;
            while (true)
            {
                WaitForPost();
                if (Interlocked.CompareExchange(ref _state, Running, Posted) != Posted)
                    continue; // revoked
                RunItems();
                Volatile.Write(ref _state, Idle);
            }
        }

        private void WaitForPost()
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            int spins = 0;
            while (Volatile.Read(ref _state) != Posted)
            {
                Thread.SpinWait(1);
                if ((++spins & 255) != 0 || Stopwatch.GetTimestamp() < deadline)
                    continue;

                _wake.Reset();
                Interlocked.Exchange(ref _sleeping, 1); // full fence: pairs with Post's _state write
                if (Volatile.Read(ref _state) != Posted)
                    _wake.Wait();
                Volatile.Write(ref _sleeping, 0);
                deadline = Stopwatch.GetTimestamp() + SpinTicks;
            }
        }
    }
}
