namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// One split of a dataset as a source read it, before the job's loss and limit shape it: inputs
/// [n, ...<see cref="SampleShape"/>] (shared read-only by every job on the silo that uses the same source) and either
/// class <see cref="Labels"/> or float <see cref="Targets"/> [n, ...<see cref="TargetShape"/>].
/// </summary>
internal sealed record SampleSet(Tensor Inputs, int[] SampleShape, long[]? Labels, float[]? Targets, int[] TargetShape)
{
    public int Count => Inputs.Shape[0];

    /// <summary>One more than the largest label (0 when there are none).</summary>
    public int LabelBound() => Labels is { Length: > 0 } labels ? (int)Math.Min(labels.Max() + 1, int.MaxValue) : 0;
}
