using Autograd.Cluster.Contracts.Buffers;

namespace Autograd.Cluster.Contracts.Messages;

/// <summary>
/// One worker's gradient slice for one step: the gradient of the mean loss over its <see cref="Samples"/> samples.
/// The shard weights it by Samples / (all workers' samples), which gives the gradient of the mean loss over the whole
/// global batch even when workers hold different numbers of samples. <see cref="NonFinite"/> marks a NaN or infinite
/// loss or gradient: the shard then drops the whole step's update. A slice longer than one chunk is sent as its
/// <see cref="GradientChunks"/>, one contribution each: <see cref="Offset"/> is where <see cref="Gradient"/> starts in
/// the slice.
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.GradientContribution")]
public sealed record GradientContribution(
    [property: Id(0)] long Step,
    [property: Id(1)] int Epoch,
    [property: Id(2)] int Rank,
    [property: Id(3)] int Samples,
    [property: Id(4)] FloatBlock Gradient,
    [property: Id(5)] bool NonFinite = false,
    [property: Id(6)] int Offset = 0);
