namespace Autograd.Backends;

/// <summary>
/// The closed set of primitive kernels every device implements. Tensor ops and their gradients are written once
/// above this interface; a backend only moves bytes and runs these kernels on contiguous row-major storages.
/// Shapes are passed explicitly; offsets and strides are in elements.
/// </summary>
internal interface IBackend
{
    Device Device { get; }

    /// <summary>Uninitialised storage (the kernels that write it overwrite every element).</summary>
    Storage Allocate(DType dtype, int length);

    void Upload<T>(ReadOnlySpan<T> source, Storage destination)
        where T : unmanaged;

    void Download<T>(Storage source, Span<T> destination)
        where T : unmanaged;

    /// <summary>Writes <paramref name="source"/> over elements [offset, offset + length) of <paramref name="destination"/>.</summary>
    void UploadRange<T>(ReadOnlySpan<T> source, Storage destination, int offset)
        where T : unmanaged;

    /// <summary>Reads elements [offset, offset + length) of <paramref name="source"/> into <paramref name="destination"/>.</summary>
    void DownloadRange<T>(Storage source, int offset, Span<T> destination)
        where T : unmanaged;

    void Fill(Storage storage, double value);

    /// <summary>Converts every element of <paramref name="source"/> to the dtype of <paramref name="destination"/>.</summary>
    void Cast(Storage source, Storage destination);

    void FillRandom(Storage storage, RandomKind kind, Generator generator, double a, double b);

    /// <summary>y = op(x), elementwise over contiguous storages of equal length.</summary>
    void Unary(UnaryOp op, Storage x, Storage y, double alpha, double beta);

    /// <summary>gx = dy/dx * gy for the unary op, given its input x and output y.</summary>
    void UnaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx, double alpha, double beta);

    /// <summary>y = op(a, b) with NumPy broadcasting of a and b to <paramref name="yShape"/>.</summary>
    void Binary(BinaryOp op, Storage a, int[] aShape, Storage b, int[] bShape, Storage y, int[] yShape);

    /// <summary>y = condition != 0 ? a : b, all three broadcast to <paramref name="yShape"/> (condition has y's dtype).</summary>
    void Where(Storage condition, int[] conditionShape, Storage a, int[] aShape, Storage b, int[] bShape, Storage y, int[] yShape);

    /// <summary>Reduces x viewed as [outer, reduce, inner] over its middle axis into y [outer, inner].</summary>
    void Reduce(ReduceOp op, Storage x, int outer, int reduce, int inner, Storage y);

    /// <summary>Max or min over the middle axis of [outer, reduce, inner] with the (first) index where it occurs.</summary>
    void ArgReduce(ReduceOp op, Storage x, int outer, int reduce, int inner, Storage? values, Storage indices);

    /// <summary>
    /// dst[dstOffset + sum(i_d * dstStrides_d)] (=|+=) src[srcOffset + sum(i_d * srcStrides_d)] for every index i of
    /// <paramref name="shape"/>. One primitive for permute, expand, slicing, cat, stack and their gradients.
    /// </summary>
    void StridedCopy(Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides, int[] shape, bool accumulate);

    /// <summary>
    /// For each of <paramref name="batch"/> matrices: C (=|+=) op(A) op(B), row-major, op = transpose when asked;
    /// the batch strides step each operand (0 broadcasts it).
    /// </summary>
    void Gemm(
        bool transA,
        bool transB,
        int m,
        int n,
        int k,
        Storage a,
        int aOffset,
        int lda,
        long aBatchStride,
        Storage b,
        int bOffset,
        int ldb,
        long bBatchStride,
        Storage c,
        int cOffset,
        int ldc,
        long cBatchStride,
        int batch,
        bool accumulate);

    /// <summary>y[o, j, i] = x[o, index[j], i]; x is [outer, dimSize, inner], index holds Int64 in [0, dimSize).</summary>
    void IndexSelect(Storage x, int outer, int dimSize, int inner, Storage index, int count, Storage y);

    /// <summary>gx[o, index[j], i] += gy[o, j, i]; the gradient of <see cref="IndexSelect"/>.</summary>
    void IndexAdd(Storage gy, int outer, int dimSize, int inner, Storage index, int count, Storage gx);

    /// <summary>y[o, i] = x[o, index[o, i], i] for x [outer, dimSize, inner] (torch.gather with one index per slot).</summary>
    void Gather(Storage x, int outer, int dimSize, int inner, Storage index, Storage y);

    /// <summary>gx[o, index[o, i], i] += gy[o, i]; the gradient of <see cref="Gather"/>.</summary>
    void ScatterAdd(Storage gy, int outer, int dimSize, int inner, Storage index, Storage gx);

    /// <summary>Softmax (or log-softmax) over the middle axis of [outer, dim, inner].</summary>
    void Softmax(Storage x, int outer, int dim, int inner, Storage y, bool log);

    /// <summary>The gradient of <see cref="Softmax"/>, from its output y.</summary>
    void SoftmaxBackward(Storage y, Storage gy, int outer, int dim, int inner, Storage gx, bool log);

    /// <summary>Unfolds x [N, C, H, W] into columns [C*KH*KW, N*OH*OW] (zero padding).</summary>
    void Im2Col(Storage x, in WindowGeometry g, Storage columns);

    /// <summary>Folds columns [C*KH*KW, N*OH*OW] back, adding overlaps into gx [N, C, H, W] (overwrites gx).</summary>
    void Col2Im(Storage columns, in WindowGeometry g, Storage gx);

    /// <summary>Max pooling of x [N, C, H, W] into y [N, C, OH, OW], with the flat input index of each max (Int64).</summary>
    void MaxPool2d(Storage x, in WindowGeometry g, Storage y, Storage indices);

    /// <summary>gx (overwritten) gets gy routed to the recorded max positions.</summary>
    void MaxPool2dBackward(Storage gy, Storage indices, in WindowGeometry g, Storage gx);

    void AvgPool2d(Storage x, in WindowGeometry g, bool countIncludePad, Storage y);

    void AvgPool2dBackward(Storage gy, in WindowGeometry g, bool countIncludePad, Storage gx);

    /// <summary>In-place SGD update of a parameter from its gradient (PyTorch's torch.optim.SGD formulas).</summary>
    void SgdStep(Storage param, Storage grad, Storage? momentumBuffer, in SgdParameters p);

    /// <summary>In-place Adam/AdamW update (PyTorch's torch.optim.Adam / AdamW formulas).</summary>
    void AdamStep(Storage param, Storage grad, Storage expAvg, Storage expAvgSq, Storage? maxExpAvgSq, in AdamParameters p);

    /// <summary>Sum of squares of every element, read back to the host (gradient clipping).</summary>
    double SumOfSquares(Storage x);
}
