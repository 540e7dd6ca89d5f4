namespace Autograd;

public sealed partial class Tensor
{
    /// <summary>
    /// Copies <paramref name="source"/> into this float32 tensor in place, in row-major order (PyTorch's <c>copy_</c>
    /// from host memory; no graph): a tensor refilled every step keeps its storage instead of being made again.
    /// </summary>
    /// <exception cref="ArgumentException">The span's length differs from <see cref="Numel"/>.</exception>
    /// <exception cref="InvalidOperationException">The tensor is not float32, or is a leaf that requires grad while grad mode is on.</exception>
    public Tensor Copy_(ReadOnlySpan<float> source)
    {
        CheckInPlaceAllowed("Copy_");
        CheckSpan("Copy_", source.Length);
        Backend.Upload(source, Storage);
        return this;
    }

    /// <summary>
    /// Copies the elements, in row-major order, into <paramref name="destination"/> (what <see cref="ToArray()"/>
    /// returns, without allocating an array).
    /// </summary>
    /// <exception cref="ArgumentException">The span's length differs from <see cref="Numel"/>.</exception>
    /// <exception cref="InvalidOperationException">The tensor is not float32.</exception>
    public void CopyTo(Span<float> destination)
    {
        CheckSpan("CopyTo", destination.Length);
        Backend.Download(Storage, destination);
    }

    /// <summary>
    /// Copies <paramref name="source"/> over the elements from <paramref name="offset"/> on, in row-major order, in
    /// place (no graph): part of a tensor refilled from several buffers, with no staging copy of the whole.
    /// </summary>
    /// <exception cref="ArgumentException">The span does not fit in the tensor at <paramref name="offset"/>.</exception>
    /// <exception cref="InvalidOperationException">The tensor is not float32, or is a leaf that requires grad while grad mode is on.</exception>
    public Tensor Copy_(ReadOnlySpan<float> source, int offset)
    {
        CheckInPlaceAllowed("Copy_");
        CheckRange("Copy_", offset, source.Length);
        Backend.UploadRange(source, Storage, offset);
        return this;
    }

    /// <summary>Copies the elements from <paramref name="offset"/> on, in row-major order, into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The span does not fit in the tensor at <paramref name="offset"/>.</exception>
    /// <exception cref="InvalidOperationException">The tensor is not float32.</exception>
    public void CopyTo(Span<float> destination, int offset)
    {
        CheckRange("CopyTo", offset, destination.Length);
        Backend.DownloadRange(Storage, offset, destination);
    }

    private void CheckRange(string op, int offset, int length)
    {
        if (DType != DType.Float32)
            throw new InvalidOperationException($"{op}: a span of float32 values for a tensor of dtype {DType.TorchName()}");
        if (offset < 0 || (long)offset + length > Numel)
            throw new ArgumentException($"{op}: {length} values at offset {offset} do not fit in a tensor of shape {ShapeString(_shape)} ({Numel} elements)");
    }

    private void CheckSpan(string op, int length)
    {
        if (DType != DType.Float32)
            throw new InvalidOperationException($"{op}: a span of float32 values for a tensor of dtype {DType.TorchName()}");
        if (length != Numel)
            throw new ArgumentException($"{op}: a span of {length} values for a tensor of shape {ShapeString(_shape)} ({Numel} elements)");
    }
}
