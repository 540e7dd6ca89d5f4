using Autograd.Graph;

namespace Autograd;

/// <summary>
/// Shape ops. Reshapes share storage (storage is always contiguous); permutes, expands, slices and joins copy
/// through the backend's one strided-copy primitive, and their gradients copy back the other way.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>The same elements in another shape; one dimension may be -1 (inferred). Shares storage.</summary>
    public Tensor Reshape(params int[] shape) => Alias(InferShape(shape, "Reshape"), "ReshapeAliasBackward0");

    /// <summary>As <see cref="Reshape"/>: every tensor here is contiguous, so a view always exists.</summary>
    public Tensor View(params int[] shape) => Alias(InferShape(shape, "View"), "ViewBackward0");

    /// <summary>A tensor of another shape over this storage; <paramref name="name"/> is PyTorch 1.13's grad_fn for the op.</summary>
    private Tensor Alias(int[] shape, string name)
    {
        var y = ViewOfStorage(shape);
        var inputShape = _shape;
        return GraphRecorder.Record(y, name, [this], [], g => [g.Reshape(inputShape)]);
    }

    /// <summary>Storage is always contiguous, so this is the tensor itself.</summary>
    public Tensor Contiguous() => this;

    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Dim == 0) return Reshape(1);
        int s = NormalizeDim(startDim, Dim, "Flatten"), e = NormalizeDim(endDim, Dim, "Flatten");
        if (s > e) throw new ArgumentException($"Flatten: start_dim {startDim} comes after end_dim {endDim} for shape {ShapeString(_shape)}");
        var shape = new List<int>();
        for (int d = 0; d < s; d++) shape.Add(_shape[d]);
        int merged = 1;
        for (int d = s; d <= e; d++) merged *= _shape[d];
        shape.Add(merged);
        for (int d = e + 1; d < Dim; d++) shape.Add(_shape[d]);
        return Reshape(shape.ToArray());
    }

    /// <summary>Removes every dimension of size 1.</summary>
    public Tensor Squeeze() => Alias(_shape.Where(d => d != 1).ToArray(), "SqueezeBackward0");

    /// <summary>Removes the given dimension if it has size 1 (otherwise returns the same shape, as PyTorch).</summary>
    public Tensor Squeeze(int dim) => Squeeze([dim]);

    public Tensor Squeeze(int[] dims)
    {
        var axes = NormalizeDims(dims, "Squeeze");
        return Alias(_shape.Where((size, i) => !(size == 1 && Array.IndexOf(axes, i) >= 0)).ToArray(), "SqueezeBackward1");
    }

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/> (in [-Dim-1, Dim]).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = NormalizeDim(dim, Dim + 1, "Unsqueeze");
        var shape = _shape.ToList();
        shape.Insert(d, 1);
        return Alias(shape.ToArray(), "UnsqueezeBackward0");
    }

    /// <summary>Reorders the dimensions (a copy).</summary>
    public Tensor Permute(params int[] dims) => Permute(dims, "PermuteBackward0");

    private Tensor Permute(int[] dims, string name)
    {
        if (dims.Length != Dim)
            throw new ArgumentException($"Permute: number of dims {dims.Length} does not match the tensor's {Dim} dimensions (shape {ShapeString(_shape)})");
        var order = dims.Select(d => NormalizeDim(d, Dim, "Permute")).ToArray();
        if (order.Distinct().Count() != order.Length) throw new ArgumentException($"Permute: repeated dim in [{string.Join(", ", dims)}]");
        var strides = ContiguousStrides(_shape);
        var outShape = order.Select(d => _shape[d]).ToArray();
        var srcStrides = order.Select(d => strides[d]).ToArray();
        var y = Empty(outShape, DType, Device);
        Backend.StridedCopy(Storage, 0, srcStrides, y.Storage, 0, ContiguousStrides(outShape), outShape, accumulate: false);
        var inverse = new int[order.Length];
        for (int i = 0; i < order.Length; i++) inverse[order[i]] = i;
        return GraphRecorder.Record(y, name, [this], [], g => [g.Permute(inverse)]);
    }

    /// <summary>Swaps two dimensions (a copy).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        if (Dim < 2 && dim0 is 0 or -1 && dim1 is 0 or -1) return Reshape(_shape);
        var order = Enumerable.Range(0, Dim).ToArray();
        int a = NormalizeDim(dim0, Dim, "Transpose"), b = NormalizeDim(dim1, Dim, "Transpose");
        (order[a], order[b]) = (order[b], order[a]);
        return Permute(order, "TransposeBackward0");
    }

    /// <summary>The matrix transpose of a 2-D tensor (t.T in PyTorch).</summary>
    public Tensor T
    {
        get
        {
            if (Dim > 2) throw new InvalidOperationException($"T: expects a tensor with <= 2 dimensions, but it has shape {ShapeString(_shape)}; use Transpose or Permute");
            return Dim < 2 ? Alias(_shape, "TBackward0") : Permute([1, 0], "TBackward0");
        }
    }

    /// <summary>Broadcasts size-1 dimensions (and new leading ones) to <paramref name="shape"/>; -1 keeps a size. A copy.</summary>
    public Tensor Expand(params int[] shape)
    {
        if (shape.Length < Dim)
            throw new ArgumentException($"Expand: the target shape {ShapeString(shape)} has fewer dimensions than the tensor's {ShapeString(_shape)}");
        var target = (int[])shape.Clone();
        int lead = target.Length - Dim;
        var srcStrides = new int[target.Length];
        var strides = ContiguousStrides(_shape);
        for (int d = 0; d < target.Length; d++)
        {
            int sd = d - lead;
            if (sd < 0)
            {
                if (target[d] < 0) throw new ArgumentException($"Expand: -1 is not allowed for the new leading dimension {d} of {ShapeString(shape)}");
                continue;
            }

            if (target[d] == -1) target[d] = _shape[sd];
            if (_shape[sd] == target[d])
            {
                srcStrides[d] = strides[sd];
            }
            else if (_shape[sd] != 1)
            {
                throw new ArgumentException($"Expand: the expanded size of the tensor ({target[d]}) must match the existing size ({_shape[sd]}) at non-singleton dimension {d}; target {ShapeString(shape)}, tensor {ShapeString(_shape)}");
            }
        }

        if (target.AsSpan().SequenceEqual(_shape)) return Alias(target, "ExpandBackward0");
        var y = Empty(target, DType, Device);
        Backend.StridedCopy(Storage, 0, srcStrides, y.Storage, 0, ContiguousStrides(target), target, accumulate: false);
        var inputShape = _shape;
        return GraphRecorder.Record(y, "ExpandBackward0", [this], [], g => [SumTo(g, inputShape)]);
    }

    /// <summary>Elements start, start+step, ... (before end) along dim; negative bounds count from the end. A copy.</summary>
    public Tensor Slice(int dim, int? start = null, int? end = null, int step = 1)
    {
        RequireDimensions("Slice");
        int d = NormalizeDim(dim, Dim, "Slice");
        if (step <= 0) throw new ArgumentException($"Slice: step must be greater than zero, got {step}");
        int size = _shape[d];
        int s = Math.Clamp(start is int a ? (a < 0 ? a + size : a) : 0, 0, size);
        int e = Math.Clamp(end is int b ? (b < 0 ? b + size : b) : size, 0, size);
        int count = e > s ? ((e - s + step - 1) / step) : 0;
        return SliceCore(d, s, count, step, dropDim: false, "SliceBackward0");
    }

    /// <summary>count elements from start, step apart, along dim d; <paramref name="dropDim"/> removes d (select).</summary>
    private Tensor SliceCore(int d, int start, int count, int step, bool dropDim, string name)
    {
        var sliceShape = (int[])_shape.Clone();
        sliceShape[d] = count;
        var strides = ContiguousStrides(_shape);
        var srcStrides = (int[])strides.Clone();
        srcStrides[d] *= step;
        int offset = start * strides[d];
        var sliceStrides = ContiguousStrides(sliceShape);
        var outShape = dropDim ? sliceShape.Where((_, i) => i != d).ToArray() : sliceShape;
        var y = Empty(outShape, DType, Device);
        Backend.StridedCopy(Storage, offset, srcStrides, y.Storage, 0, sliceStrides, sliceShape, accumulate: false);
        var inputShape = _shape;
        return GraphRecorder.Record(y, name, [this], [], g =>
        {
            var gx = Zeros(inputShape, g.DType, g.Device);
            g.Backend.StridedCopy(g.Storage, 0, sliceStrides, gx.Storage, offset, srcStrides, sliceShape, accumulate: true);
            return [gx];
        });
    }

    /// <summary>length elements from start along dim (torch.narrow).</summary>
    public Tensor Narrow(int dim, int start, int length) => Slice(dim, start, start + length);

    /// <summary>The sub-tensor at <paramref name="index"/> of dim, with that dimension removed (torch.select).</summary>
    public Tensor Select(int dim, int index)
    {
        RequireDimensions("Select");
        int d = NormalizeDim(dim, Dim, "Select");
        int size = _shape[d];
        if (index < -size || index >= size)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Select: index {index} is out of bounds for dimension {d} with size {size}");
        return SliceCore(d, index < 0 ? index + size : index, 1, 1, dropDim: true, "SelectBackward0");
    }

    /// <summary>t[i]: the sub-tensor at index i of the first dimension.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[int index] => Select(0, index);

    /// <summary>t[a..b]: a slice of the first dimension.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[Range range]
    {
        get
        {
            var (offset, length) = range.GetOffsetAndLength(_shape.Length == 0 ? 0 : _shape[0]);
            return Slice(0, offset, offset + length);
        }
    }

    /// <summary>Picks entries of dim at the Int64 indices (torch.index_select).</summary>
    public Tensor IndexSelect(int dim, Tensor indices)
    {
        if (indices.DType != DType.Int64) throw new ArgumentException($"IndexSelect: indices must be int64, got {indices.DType.TorchName()}");
        if (indices.Dim > 1) throw new ArgumentException($"IndexSelect: indices must be 1-D, got shape {ShapeString(indices._shape)}");
        CheckSameDevice(this, indices, "IndexSelect");
        int d = NormalizeDim(dim, Dim, "IndexSelect");
        int outer = 1, inner = 1;
        for (int k = 0; k < d; k++) outer *= _shape[k];
        for (int k = d + 1; k < Dim; k++) inner *= _shape[k];
        int dimSize = Dim == 0 ? 1 : _shape[d];
        int count = indices.Numel;
        var outShape = (int[])_shape.Clone();
        if (Dim > 0) outShape[d] = count;
        var y = Empty(outShape, DType, Device);
        Backend.IndexSelect(Storage, outer, dimSize, inner, indices.Storage, count, y.Storage);
        var inputShape = _shape;
        return GraphRecorder.Record(y, "IndexSelectBackward0", [this], [indices], g =>
        {
            var gx = Zeros(inputShape, g.DType, g.Device);
            g.Backend.IndexAdd(g.Storage, outer, dimSize, inner, indices.Storage, count, gx.Storage);
            return [gx];
        });
    }

    /// <summary>Joins tensors along an existing dimension; all other sizes must match.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0) => Cat(tensors, dim, "CatBackward0");

    private static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim, string name)
    {
        if (tensors.Count == 0) throw new ArgumentException("Cat: expected a non-empty list of tensors");
        var first = tensors[0];
        for (int i = 0; i < tensors.Count; i++)
        {
            if (tensors[i].Dim == 0)
                throw new ArgumentException($"Cat: zero-dimensional tensor (at position {i}) cannot be concatenated; use Stack");
        }

        int d = NormalizeDim(dim, first.Dim, "Cat");
        var dtype = tensors.Select(t => t.DType).Aggregate(DTypeInfo.Promote);
        var inputs = tensors.Select(t => t.ToType(dtype)).ToArray();
        int total = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            var t = inputs[i];
            CheckSameDevice(first, t, "Cat");
            if (t.Dim != first.Dim)
                throw new ArgumentException($"Cat: tensors must have the same number of dimensions: got {ShapeString(first._shape)} and {ShapeString(t._shape)} (tensor {i})");
            for (int k = 0; k < t.Dim; k++)
            {
                if (k != d && t._shape[k] != first._shape[k])
                    throw new ArgumentException($"Cat: sizes of tensors must match except in dimension {d}: got {ShapeString(first._shape)} and {ShapeString(t._shape)} (tensor {i}, dimension {k})");
            }

            total += t._shape[d];
        }

        var outShape = (int[])first._shape.Clone();
        outShape[d] = total;
        var y = Empty(outShape, dtype, first.Device);
        var outStrides = ContiguousStrides(outShape);
        var offsets = new int[inputs.Length];
        int at = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            offsets[i] = at;
            var t = inputs[i];
            y.Backend.StridedCopy(t.Storage, 0, ContiguousStrides(t._shape), y.Storage, at * outStrides[d], outStrides, t._shape, accumulate: false);
            at += t._shape[d];
        }

        return GraphRecorder.Record(y, name, inputs, [], g =>
        {
            var grads = new Tensor?[inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
                if (inputs[i].RequiresGrad) grads[i] = g.Slice(d, offsets[i], offsets[i] + inputs[i]._shape[d]);
            return grads;
        });
    }

    /// <summary>Joins equally shaped tensors along a new dimension.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Stack: expected a non-empty list of tensors");
        var first = tensors[0];
        for (int i = 1; i < tensors.Count; i++)
        {
            if (!tensors[i]._shape.AsSpan().SequenceEqual(first._shape))
                throw new ArgumentException($"Stack: expects each tensor to be equal size, but got {ShapeString(first._shape)} at entry 0 and {ShapeString(tensors[i]._shape)} at entry {i}");
        }

        int d = NormalizeDim(dim, first.Dim + 1, "Stack");
        return Cat(tensors.Select(t => t.Unsqueeze(d)).ToArray(), d, "StackBackward0");
    }

    /// <summary>Splits into pieces of <paramref name="size"/> along dim (the last may be smaller).</summary>
    public Tensor[] Split(int size, int dim = 0)
    {
        if (size <= 0) throw new ArgumentException($"Split: split size must be positive, got {size}");
        RequireDimensions("Split");
        int d = NormalizeDim(dim, Dim, "Split");
        var pieces = new List<Tensor>();
        for (int s = 0; s < _shape[d]; s += size) pieces.Add(Slice(d, s, Math.Min(s + size, _shape[d])));
        return pieces.ToArray();
    }

    /// <summary>Splits into <paramref name="chunks"/> nearly equal pieces along dim (torch.chunk).</summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        if (chunks <= 0) throw new ArgumentException($"Chunk: number of chunks must be positive, got {chunks}");
        RequireDimensions("Chunk");
        int d = NormalizeDim(dim, Dim, "Chunk");
        return Split((int)Math.Ceiling(_shape[d] / (double)chunks), d);
    }

    /// <summary>Ops that index a dimension have nothing to index in a 0-d tensor.</summary>
    private void RequireDimensions(string op)
    {
        if (Dim == 0) throw new ArgumentException($"{op}: cannot be applied to a 0-dim tensor");
    }

    internal static int[] ContiguousStrides(int[] shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }

        return strides;
    }

    private int[] InferShape(int[] shape, string op)
    {
        var target = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{op}: only one dimension can be inferred in {ShapeString(shape)}");
                infer = i;
            }
            else if (target[i] < 0)
            {
                throw new ArgumentException($"{op}: invalid shape dimension {target[i]} in {ShapeString(shape)}");
            }
            else
            {
                known *= target[i];
            }
        }

        if (infer >= 0)
        {
            if (known == 0 || Numel % known != 0)
                throw new ArgumentException($"{op}: shape {ShapeString(shape)} is invalid for input of size {Numel} (shape {ShapeString(_shape)})");
            target[infer] = (int)(Numel / known);
        }
        else if (known != Numel)
        {
            throw new ArgumentException($"{op}: shape {ShapeString(shape)} is invalid for input of size {Numel} (shape {ShapeString(_shape)})");
        }

        return target;
    }
}
