using Xunit;
using static Autograd.Tests.Backends.Cpu.CpuBackendTestData;

namespace Autograd.Tests.Backends.Cpu;

/// <summary>Softmax kernels: the vectorised rows (inner == 1) and the strided path (inner > 1) agree, and the gradients.</summary>
public sealed class CpuBackendSoftmaxTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Softmax_InnerGreaterThanOne_MatchesRowPathOnTransposedData(bool log)
    {
        // x as [outer=2, dim=5, inner=3]; the same numbers laid out as [2, 3, 5] go through the inner == 1 path
        const int outer = 2, dim = 5, inner = 3;
        var x = Enumerable.Range(0, outer * dim * inner).Select(i => Math.Cos(i * 0.7) * 4).ToArray();
        var rows = new double[x.Length];
        for (int o = 0; o < outer; o++)
            for (int d = 0; d < dim; d++)
                for (int i = 0; i < inner; i++)
                    rows[(((o * inner) + i) * dim) + d] = x[(((o * dim) + d) * inner) + i];

        var strided = Backend.Allocate(DType.Float64, x.Length);
        Backend.Softmax(Doubles(x), outer, dim, inner, strided, log);
        var contiguous = Backend.Allocate(DType.Float64, x.Length);
        Backend.Softmax(Doubles(rows), outer * inner, dim, 1, contiguous, log);
        var a = ReadDoubles(strided);
        var b = ReadDoubles(contiguous);
        for (int o = 0; o < outer; o++)
        {
            for (int d = 0; d < dim; d++)
            {
                for (int i = 0; i < inner; i++)
                {
                    double expected = b[(((o * inner) + i) * dim) + d];
                    Assert.Equal(expected, a[(((o * dim) + d) * inner) + i], 1e-15);
                }
            }
        }

        // and the values are softmax: exp(x - logsumexp)
        double lse = Math.Log(Enumerable.Range(0, dim).Sum(d => Math.Exp(rows[d])));
        Assert.Equal(log ? rows[0] - lse : Math.Exp(rows[0] - lse), b[0], 1e-15);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void SoftmaxBackward_MatchesJacobianProduct(int inner)
    {
        const int dim = 4;
        var x = Enumerable.Range(0, dim * inner).Select(i => (i * 0.37) - 1).ToArray();
        var gy = Enumerable.Range(0, dim * inner).Select(i => Math.Sin(i)).ToArray();
        foreach (bool log in new[] { false, true })
        {
            var y = Backend.Allocate(DType.Float64, x.Length);
            Backend.Softmax(Doubles(x), 1, dim, inner, y, log);
            var gx = Backend.Allocate(DType.Float64, x.Length);
            Backend.SoftmaxBackward(y, Doubles(gy), 1, dim, inner, gx, log);
            var actual = ReadDoubles(gx);
            for (int i = 0; i < inner; i++)
            {
                var s = Enumerable.Range(0, dim).Select(d => Math.Exp(x[(d * inner) + i])).ToArray();
                double total = s.Sum();
                for (int d = 0; d < dim; d++) s[d] /= total;
                for (int k = 0; k < dim; k++)
                {
                    // softmax: J[j, k] = s_j (delta_jk - s_k); log-softmax: J[j, k] = delta_jk - s_k
                    double expected = 0;
                    for (int j = 0; j < dim; j++)
                        expected += gy[(j * inner) + i] * (log ? (j == k ? 1 : 0) - s[k] : s[j] * ((j == k ? 1 : 0) - s[k]));
                    Assert.Equal(expected, actual[(k * inner) + i], 1e-14);
                }
            }
        }
    }

    [Fact]
    public void Softmax_Float32AndInt64()
    {
        var y = Backend.Allocate(DType.Float32, 2);
        Backend.Softmax(Floats(0, 0), 1, 2, 1, y, log: false);
        Assert.Equal([0.5f, 0.5f], ReadFloats(y));
        Assert.Throws<NotSupportedException>(() => Backend.Softmax(Longs(1), 1, 1, 1, Longs(0), log: false));
    }
}
