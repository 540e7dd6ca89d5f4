namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// A dataset the client sent as values (inline with the job, or uploaded in chunks): inputs of
/// [n, ...<see cref="SampleShape"/>] with either class <see cref="Labels"/> or float <see cref="Targets"/> of
/// [n, ...<see cref="TargetShape"/>], and optionally a test split of the same form.
/// </summary>
public sealed record InMemorySamples(
    int[] SampleShape,
    float[] Inputs,
    long[]? Labels,
    int Classes,
    float[]? Targets,
    int[] TargetShape,
    float[]? TestInputs = null,
    long[]? TestLabels = null,
    float[]? TestTargets = null);
