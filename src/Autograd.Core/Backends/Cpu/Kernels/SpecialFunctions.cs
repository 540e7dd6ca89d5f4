namespace Autograd.Backends.Cpu.Kernels;

/// <summary>Functions .NET's Math lacks, accurate to double precision (GELU needs erf).</summary>
internal static class SpecialFunctions
{
    private const double InvSqrtPi = 0.56418958354775628695;

    /// <summary>The error function: Taylor series near 0, continued fraction of erfc in the tails (|error| &lt; 1e-15).</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double ax = Math.Abs(x);
        if (ax < 2.5)
        {
            // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 100; n++)
            {
                term *= -x2 / n;
                double add = term / ((2 * n) + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }

            double r = 2 * InvSqrtPi * sum;
            return x < 0 ? -r : r;
        }

        double erfc = ErfcContinuedFraction(ax);
        return x < 0 ? erfc - 1 : 1 - erfc;
    }

    /// <summary>erfc(x) for x &gt;= 2.5 by Lentz's evaluation of its continued fraction.</summary>
    private static double ErfcContinuedFraction(double x)
    {
        if (x > 27) return 0;
        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 300; n++)
        {
            double an = n * 0.5;
            d = x + (an * d);
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + (an / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }

        return Math.Exp(-x * x) * InvSqrtPi / f;
    }

    /// <summary>Standard normal CDF.</summary>
    public static double Phi(double x) => 0.5 * (1 + Erf(x * 0.70710678118654752440));

    /// <summary>Standard normal density.</summary>
    public static double PhiDensity(double x) => 0.39894228040143267794 * Math.Exp(-0.5 * x * x);
}
