using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>A whole-number setting, read and checked the same way by every group of settings.</summary>
internal static class ConfigurationNumber
{
    /// <summary>
    /// The value of <paramref name="key"/>, or <paramref name="fallback"/> when it is missing or empty.
    /// </summary>
    /// <exception cref="InvalidOperationException">The value is not a whole number from <paramref name="lowest"/> to <paramref name="highest"/>; the message names the key.</exception>
    public static long Read(IConfiguration configuration, string key, long fallback, long lowest, long highest)
    {
        string? text = configuration[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < lowest || value > highest)
            throw new InvalidOperationException($"configuration {key}: '{text}' is not a whole number from {lowest} to {highest}");
        return value;
    }
}
