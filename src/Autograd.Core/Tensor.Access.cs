using System.Buffers;
using Autograd.Backends;
using Autograd.Backends.Cpu;
using Autograd.Graph;

namespace Autograd;

public sealed partial class Tensor
{
    /// <summary>
    /// Computes the gradient of this tensor with respect to the graph's leaves and adds it to their
    /// <see cref="Grad"/>. A non-scalar output needs <paramref name="gradient"/> (same shape). The graph's saved
    /// tensors are freed unless <paramref name="retainGraph"/>.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => BackwardEngine.Run(this, gradient, retainGraph);

    /// <summary>The single value of a one-element tensor, as float (torch's <c>.item()</c>).</summary>
    public float Item() => (float)ItemDouble();

    /// <summary>The single value of a one-element tensor, at full precision.</summary>
    public double ItemDouble()
    {
        if (Numel != 1)
            throw new InvalidOperationException($"a Tensor with {Numel} elements cannot be converted to a scalar (shape {ShapeString(_shape)})");
        return DType switch
        {
            DType.Float32 => ToArray<float>()[0],
            DType.Float64 => ToArray<double>()[0],
            _ => ToArray<long>()[0],
        };
    }

    /// <summary>The elements in row-major order as float, converting from other dtypes.</summary>
    public float[] ToArray()
    {
        if (DType == DType.Float32) return ToArray<float>();
        using var converted = ToType(DType.Float32);
        return converted.ToArray<float>();
    }

    /// <summary>The elements in row-major order; <typeparamref name="T"/> must match the dtype.</summary>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        var expected = DType switch { DType.Float32 => typeof(float), DType.Float64 => typeof(double), _ => typeof(long) };
        if (typeof(T) != expected)
            throw new InvalidOperationException($"ToArray<{typeof(T).Name}> on a tensor of dtype {DType.TorchName()}; use ToArray<{expected.Name}>()");
        var result = new T[Numel];
        Backend.Download<T>(Storage, result);
        return result;
    }

    /// <summary>A tensor sharing this storage, cut from the graph (requires no grad).</summary>
    public Tensor Detach()
    {
        Storage.AddReference();
        return new Tensor(Storage, (int[])_shape.Clone());
    }

    /// <summary>Detaches in place: this tensor becomes a leaf that requires no grad.</summary>
    public Tensor Detach_()
    {
        GradFn = null;
        _requiresGrad = false;
        return this;
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor (PyTorch's <c>requires_grad_()</c>).</summary>
    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>A copy with its own storage; differentiable.</summary>
    public Tensor Clone()
    {
        var y = EmptyLike(this);
        y.Backend.StridedCopy(Storage, 0, [1], y.Storage, 0, [1], [Numel], accumulate: false);
        return GraphRecorder.Record(y, "CloneBackward0", [this], [], g => [g]);
    }

    /// <summary>This tensor converted to <paramref name="dtype"/> (itself when it already has it); differentiable between floating types.</summary>
    public Tensor ToType(DType dtype)
    {
        if (dtype == DType) return this;
        var y = Empty(_shape, dtype, Device);
        Backend.Cast(Storage, y.Storage);
        if (!dtype.IsFloatingPoint()) return y;
        var sourceType = DType;
        return GraphRecorder.Record(y, "ToCopyBackward0", [this], [], g => [g.ToType(sourceType)]);
    }

    public Tensor Float() => ToType(DType.Float32);

    public Tensor Double() => ToType(DType.Float64);

    public Tensor Long() => ToType(DType.Int64);

    /// <summary>This tensor on <paramref name="device"/> (itself when already there).</summary>
    public Tensor To(Device device)
    {
        if (device == Device) return this;
        var target = BackendRegistry.For(device);
        var y = new Tensor(target.Allocate(DType, Numel), (int[])_shape.Clone());
        switch (DType)
        {
            case DType.Float32: CopyAcrossDevices<float>(y.Storage); break;
            case DType.Float64: CopyAcrossDevices<double>(y.Storage); break;
            default: CopyAcrossDevices<long>(y.Storage); break;
        }

        var source = Device;
        return GraphRecorder.Record(y, "ToCopyBackward0", [this], [], g => [g.To(source)]);
    }

    /// <summary>
    /// Copies this storage into <paramref name="destination"/> on another device. A CPU side is read or written in
    /// place; between two devices the bytes pass through a pooled host array. Never a fresh array: a training loop
    /// moves every batch, and a per-call array the size of the batch is garbage each step.
    /// </summary>
    private void CopyAcrossDevices<T>(Storage destination)
        where T : unmanaged
    {
        if (Storage is CpuStorage cpuSource)
        {
            destination.Backend.Upload<T>(cpuSource.Span<T>()[..Numel], destination);
        }
        else if (destination is CpuStorage cpuDestination)
        {
            Backend.Download<T>(Storage, cpuDestination.Span<T>()[..Numel]);
        }
        else
        {
            var staging = ArrayPool<T>.Shared.Rent(Numel);
            try
            {
                var values = staging.AsSpan(0, Numel);
                Backend.Download<T>(Storage, values);
                destination.Backend.Upload<T>(values, destination);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(staging);
            }
        }
    }

    /// <summary>this += other without recording (gradient accumulation, optimizer code); bumps the version.</summary>
    internal void AddInPlace(Tensor other)
    {
        Backend.Binary(BinaryOp.Add, Storage, _shape, other.Storage, other._shape, Storage, _shape);
        Storage.BumpVersion();
    }

    /// <summary>Copies other's values into this tensor (same numel), bumping the version.</summary>
    internal void CopyFrom(Tensor other)
    {
        if (other.Numel != Numel)
            throw new ArgumentException($"copy: source has shape {ShapeString(other._shape)} but destination has shape {ShapeString(_shape)}");
        if (other.Device != Device)
        {
            // copy_ crosses devices as PyTorch's does (loading a CPU checkpoint into GPU parameters): move, then copy.
            using var noGrad = GradMode.Set(false);
            using var moved = other.To(Device);
            CopyFrom(moved);
            return;
        }

        if (other.DType != DType)
        {
            Backend.Cast(other.Storage, Storage);
        }
        else
        {
            Backend.StridedCopy(other.Storage, 0, [1], Storage, 0, [1], [Numel], accumulate: false);
        }

        Storage.BumpVersion();
    }

    internal void MarkRequiresGradFromGraph() => _requiresGrad = true;

    /// <summary>A tensor of another shape over the same storage (numel must match).</summary>
    internal Tensor ViewOfStorage(int[] shape)
    {
        Storage.AddReference();
        return new Tensor(Storage, shape);
    }
}
