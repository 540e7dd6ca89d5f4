using Autograd.Cluster.Silo.Datasets;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Datasets;

public sealed class SiloCacheTests
{
    [Fact]
    public void GetOrAdd_SameKey_LoadsOnce()
    {
        var cache = new SiloCache<string, object>(2);
        int loads = 0;

        var first = cache.GetOrAdd("a", _ => { loads++; return new object(); });
        var second = cache.GetOrAdd("a", _ => { loads++; return new object(); });

        Assert.Same(first, second);
        Assert.Equal(1, loads);
    }

    [Fact]
    public void GetOrAdd_BeyondCapacity_LetsTheLeastRecentlyUsedGo()
    {
        var cache = new SiloCache<string, string>(2);
        var loaded = new List<string>();
        string Load(string key)
        {
            loaded.Add(key);
            return key;
        }

        cache.GetOrAdd("a", Load);
        cache.GetOrAdd("b", Load);
        cache.GetOrAdd("a", Load);
        cache.GetOrAdd("c", Load);

        Assert.Equal(2, cache.Count);
        Assert.True(cache.Contains("a"));
        Assert.True(cache.Contains("c"));
        Assert.False(cache.Contains("b"));
        cache.GetOrAdd("b", Load);
        Assert.Equal(["a", "b", "c", "b"], loaded);
    }

    [Fact]
    public void GetOrAdd_LoadThrows_IsForgottenAndTriedAgain()
    {
        var cache = new SiloCache<string, string>(2);

        Assert.Throws<IOException>(() => cache.GetOrAdd("a", _ => throw new IOException("not yet")));
        var value = cache.GetOrAdd("a", _ => "now");

        Assert.Equal("now", value);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task GetOrAdd_ConcurrentCallers_ShareOneLoad()
    {
        var cache = new SiloCache<string, object>(2);
        int loads = 0;
        using var release = new ManualResetEventSlim();
        object Load(string _)
        {
            Interlocked.Increment(ref loads);
            release.Wait(TestContext.Current.CancellationToken);
            return new object();
        }

        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(() => cache.GetOrAdd("a", Load), TestContext.Current.CancellationToken)).ToArray();
        await Task.Delay(50, TestContext.Current.CancellationToken);
        release.Set();
        var values = await Task.WhenAll(callers);

        Assert.Equal(1, loads);
        Assert.All(values, v => Assert.Same(values[0], v));
    }

    [Fact]
    public void Constructor_CapacityBelowOne_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SiloCache<string, string>(0));
    }
}
