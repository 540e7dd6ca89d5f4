using System.Collections.Concurrent;
using ILGPU.Runtime;

namespace Autograd.Backends.Ilgpu;

/// <summary>
/// The launchers of one accelerator, loaded on first use and held here for the accelerator's lifetime. ILGPU's own
/// kernel cache keeps only weak references, so a launcher that is not held is recompiled after the next GC (a
/// known thousandfold slowdown); holding every launcher strongly makes each kernel compile exactly once.
/// </summary>
internal sealed class KernelCache
{
    private readonly Accelerator _accelerator;
    private readonly ConcurrentDictionary<(string Name, Type Element), Delegate> _launchers = new();
    private int _loads;

    public KernelCache(Accelerator accelerator) => _accelerator = accelerator;

    /// <summary>How many kernels were compiled (tests check that a second call compiles nothing).</summary>
    public int Loads => Volatile.Read(ref _loads);

    public TLauncher Get<TLauncher>(string name, Type element, Func<Accelerator, TLauncher> load)
        where TLauncher : Delegate
    {
        if (_launchers.TryGetValue((name, element), out var cached)) return (TLauncher)cached;
        lock (_launchers)
        {
            if (_launchers.TryGetValue((name, element), out cached)) return (TLauncher)cached;
            var launcher = load(_accelerator);
            Interlocked.Increment(ref _loads);
            _launchers[(name, element)] = launcher;
            return launcher;
        }
    }
}
