using ILGPU;

namespace Autograd.Backends.Ilgpu;

/// <summary>
/// Bounds of the grid-stride loops every 1-D kernel runs: <c>for (i = Start; i &lt; n; i += Step)</c>. The
/// backend launches a bounded number of groups (IlgpuBackend.Grid), so a launch costs the same whatever n is.
/// </summary>
internal static class GridStride
{
    /// <summary>This thread's first item.</summary>
    public static int Start => Grid.GlobalIndex.X;

    /// <summary>Every thread of the launch.</summary>
    public static int Step => Grid.DimX * Group.DimX;
}
