namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// Serialises every use of the engine's process-wide default generator by this silo's code: layers draw their initial
/// parameters from it, so two jobs building models at once would otherwise interleave draws and lose reproducibility.
/// </summary>
public static class SeededConstruction
{
    public static readonly object Gate = new();
}
