namespace Autograd;

/// <summary>
/// A seeded pseudo-random stream (xoshiro256**), as torch.Generator: every random factory, initialiser, dropout
/// mask and data-loader shuffle draws from one, so a seed reproduces a run. Not thread-safe by design of use:
/// calls are serialised by a lock so concurrent users still see a valid (if interleaved) stream.
/// </summary>
public sealed class Generator
{
    private readonly object _gate = new();
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    public Generator(long seed = 0) => ManualSeed(seed);

    /// <summary>The process-wide default generator (torch.default_generator).</summary>
    public static Generator Default { get; } = new(0);

    public long Seed { get; private set; }

    public Generator ManualSeed(long seed)
    {
        lock (_gate)
        {
            Seed = seed;
            // SplitMix64 spreads any seed (0 included) over the 256-bit state.
            ulong x = unchecked((ulong)seed);
            _s0 = SplitMix(ref x);
            _s1 = SplitMix(ref x);
            _s2 = SplitMix(ref x);
            _s3 = SplitMix(ref x);
            _spareNormal = null;
        }

        return this;
    }

    public ulong NextUInt64()
    {
        lock (_gate) return NextUnlocked();
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble()
    {
        lock (_gate) return (NextUnlocked() >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Uniform integer in [0, bound).</summary>
    public long NextInt64(long bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), bound, "bound must be positive");
        lock (_gate)
        {
            // Lemire's rejection keeps the draw unbiased.
            ulong range = (ulong)bound;
            ulong limit = (ulong.MaxValue - range + 1) % range;
            while (true)
            {
                ulong r = NextUnlocked();
                ulong high = Math.BigMul(r, range, out ulong low);
                if (low >= limit) return (long)high;
            }
        }
    }

    /// <summary>Standard normal draw (Box-Muller, both values used).</summary>
    public double NextNormal()
    {
        lock (_gate)
        {
            if (_spareNormal is double spare)
            {
                _spareNormal = null;
                return spare;
            }

            double u1, u2;
            do u1 = (NextUnlocked() >> 11) * (1.0 / (1UL << 53));
            while (u1 <= double.Epsilon);
            u2 = (NextUnlocked() >> 11) * (1.0 / (1UL << 53));
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            _spareNormal = radius * Math.Sin(2 * Math.PI * u2);
            return radius * Math.Cos(2 * Math.PI * u2);
        }
    }

    /// <summary>A random permutation of 0..n-1 (Fisher-Yates), as torch.randperm.</summary>
    public int[] Permutation(int n)
    {
        var result = new int[n];
        for (int i = 0; i < n; i++) result[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)NextInt64(i + 1);
            (result[i], result[j]) = (result[j], result[i]);
        }

        return result;
    }

    private ulong NextUnlocked()
    {
        ulong result = BitRotate(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitRotate(_s3, 45);
        return result;
    }

    private static ulong BitRotate(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
