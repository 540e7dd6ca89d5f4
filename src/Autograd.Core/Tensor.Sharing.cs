using Autograd.Backends.Cpu;

namespace Autograd;

public sealed partial class Tensor
{
    /// <summary>
    /// A CPU float32 tensor over <paramref name="data"/> itself, as <c>torch.from_numpy</c> shares a NumPy array's memory:
    /// nothing is copied, and a write through either shows in the other. The array is pinned while the tensor lives;
    /// disposing the tensor unpins it and leaves it to the caller (it never joins the engine's buffer pool). The shape
    /// defaults to one dimension of the array's length.
    /// </summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the array's length.</exception>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (shape.Length == 0) shape = [data.Length];
        int numel = ShapeNumel(shape, "FromArray");
        if (numel != data.Length)
            throw new ArgumentException($"FromArray: an array of {data.Length} values does not fill shape {ShapeString(shape)} ({numel} elements)");
        return new Tensor(new CpuStorage(DType.Float32, data), (int[])shape.Clone());
    }
}
