using Autograd.Cluster.Contracts.Messages;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Support;

/// <summary>Compares a downloaded state dict with the single-process reference's parameters.</summary>
internal static class StateDictAssert
{
    // Workers sum partial gradients in a different order than one process's batch reductions (and a recovery may change
    // the number of workers): float32 rounding, a few ulps per step, compounded over the steps.
    public const double RelativeTolerance = 1e-5;
    public const double AbsoluteTolerance = 1e-6;

    public static void Matches(IReadOnlyDictionary<string, float[]> expected, IReadOnlyList<NamedTensorData> actual, string context)
    {
        var byName = actual.ToDictionary(e => e.Name, e => e.Values);
        foreach (var (name, want) in expected)
        {
            Assert.True(byName.TryGetValue(name, out var got), $"{context}: no entry '{name}' in the downloaded state dict");
            Assert.Equal(want.Length, got!.Length);
            for (int i = 0; i < want.Length; i++)
            {
                double error = Math.Abs(got[i] - want[i]);
                Assert.True(
                    error <= AbsoluteTolerance + (RelativeTolerance * Math.Abs(want[i])),
                    $"{context}: {name}[{i}]: cluster {got[i]:R}, single process {want[i]:R}");
            }
        }
    }
}
