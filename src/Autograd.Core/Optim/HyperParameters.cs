using System.Globalization;

namespace Autograd.Optim;

/// <summary>Reading and checking optimizer hyper-parameters.</summary>
internal static class HyperParameters
{
    /// <summary>
    /// A float hyper-parameter as the decimal it prints as (0.01f becomes 0.01, not 0.009999999776...): the
    /// optimizers compute in double like PyTorch, whose hyper-parameters are Python floats, so 0.01f here and
    /// <c>lr=0.01</c> there give the same updates.
    /// </summary>
    public static double FromFloat(float value) =>
        float.IsFinite(value) ? double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : value;

    /// <summary>A numeric group option (float, double or integer) as double.</summary>
    public static double ToDouble(object value, string key) => value switch
    {
        double d => d,
        float f => FromFloat(f),
        int i => i,
        long l => l,
        decimal m => (double)m,
        _ => throw new InvalidOperationException($"parameter group option '{key}' is a {value.GetType().Name}, not a number"),
    };

    public static void NonNegative(double value, string name, string optimizer, string what)
    {
        if (!(value >= 0)) throw new ArgumentOutOfRangeException(name, value, $"{optimizer}: invalid {what} {name}={value.ToString(CultureInfo.InvariantCulture)} (must be >= 0)");
    }

    public static void Beta(double value, int index, string optimizer)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException("betas", value, $"{optimizer}: invalid beta parameter at index {index}: betas[{index}]={value.ToString(CultureInfo.InvariantCulture)} (must be in [0, 1))");
    }
}
