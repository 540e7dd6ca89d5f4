namespace Autograd.Cluster.Contracts.Messages;

/// <summary>One downloaded state-dict entry: name, shape, dtype name and values in row-major order.</summary>
public sealed record NamedTensorData(string Name, int[] Shape, string DType, float[] Values);
