using System.Globalization;

namespace Autograd.NN;

/// <summary>Python's spelling of values in module reprs, so <see cref="Module.ToString"/> reads like PyTorch's.</summary>
internal static class PyFormat
{
    public static string Bool(bool value) => value ? "True" : "False";

    public static string Pair((int H, int W) value) => $"({value.H}, {value.W})";

    /// <summary>Python's repr of a float: the shortest round-trip digits, scientific below 1e-4 or from 1e16 (1e-05, 0.1, 1.0).</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";

        // "E16" would print too many digits; "R" gives the shortest round-trip digits in either notation.
        string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        string mantissa = r;
        int exponent = 0;
        int e = r.IndexOf('E');
        if (e >= 0)
        {
            mantissa = r[..e];
            exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        }

        // Normalise to digits d1 d2 ... with the decimal point after d1, times 10^exp10.
        int dot = mantissa.IndexOf('.');
        string intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        string fracPart = dot >= 0 ? mantissa[(dot + 1)..] : string.Empty;
        string digits = (intPart + fracPart).TrimStart('0');
        int leadingZeros = (intPart + fracPart).Length - digits.Length;
        int exp10 = exponent + intPart.Length - 1 - leadingZeros;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";

        string sign = value < 0 ? "-" : string.Empty;
        if (exp10 < -4 || exp10 >= 16)
        {
            string m = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            return $"{sign}{m}e{(exp10 < 0 ? "-" : "+")}{Math.Abs(exp10):00}";
        }

        if (exp10 < 0) return $"{sign}0.{new string('0', -exp10 - 1)}{digits}";
        if (digits.Length <= exp10 + 1) return $"{sign}{digits}{new string('0', exp10 + 1 - digits.Length)}.0";
        return $"{sign}{digits[..(exp10 + 1)]}.{digits[(exp10 + 1)..]}";
    }
}
