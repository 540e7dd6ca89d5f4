namespace Autograd.Cluster.Contracts.Messages;

/// <summary>
/// One state-dict entry (PyTorch's dotted name) at [<see cref="Offset"/>, Offset + numel) of the flat vector.
/// <see cref="IsBuffer"/> marks buffers (BatchNorm statistics, taken from rank 0 as DDP does); <see cref="DType"/>
/// is the tensor's dtype (<c>float32</c>, or <c>int64</c> for counters, whose values travel as exact floats).
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.ParameterEntry")]
public sealed record ParameterEntry(
    [property: Id(0)] string Name,
    [property: Id(1)] int[] Shape,
    [property: Id(2)] long Offset,
    [property: Id(3)] bool IsBuffer,
    [property: Id(4)] string DType);
