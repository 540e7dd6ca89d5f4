using Autograd.Backends;
using Autograd.Graph;

namespace Autograd;

/// <summary>Elementwise arithmetic and activations, each gradient rule beside its forward.</summary>
public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);

    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);

    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);

    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);

    public static Tensor operator -(Tensor a) => a.Neg();

    public static Tensor operator +(Tensor a, double s) => a.Affine(1, s, "AddBackward0");

    public static Tensor operator +(double s, Tensor a) => a.Affine(1, s, "AddBackward0");

    public static Tensor operator -(Tensor a, double s) => a.Affine(1, -s, "SubBackward0");

    public static Tensor operator -(double s, Tensor a) => a.Affine(-1, s, "RsubBackward1");

    public static Tensor operator *(Tensor a, double s) => a.Affine(s, 0, "MulBackward0");

    public static Tensor operator *(double s, Tensor a) => a.Affine(s, 0, "MulBackward0");

    /// <summary>A true division (not a multiplication by 1/s), so results agree with PyTorch to the last bit.</summary>
    public static Tensor operator /(Tensor a, double s) => a.Div(Scalar(s, a.DType.IsFloatingPoint() ? a.DType : DType.Float32, a.Device));

    public static Tensor operator /(double s, Tensor a) => a.Unary(UnaryOp.ScalarDiv, "DivBackward0", s);

    public Tensor Add(Tensor other) => Binary(BinaryOp.Add, this, other, "AddBackward0", saveInputs: false, static (g, a, b, y) => [SumTo(g, a), SumTo(g, b)]);

    /// <summary>this + alpha * other (torch.add with alpha).</summary>
    public Tensor Add(Tensor other, double alpha) => alpha == 1 ? Add(other) : Add(other * alpha);

    public Tensor Sub(Tensor other) => Binary(BinaryOp.Sub, this, other, "SubBackward0", saveInputs: false, static (g, a, b, y) => [SumTo(g, a), b.RequiresGrad ? SumTo(-g, b) : null]);

    public Tensor Mul(Tensor other) => Binary(BinaryOp.Mul, this, other, "MulBackward0", saveInputs: true, static (g, a, b, y) =>
        [a.RequiresGrad ? SumTo(g * b, a) : null, b.RequiresGrad ? SumTo(g * a, b) : null]);

    public Tensor Div(Tensor other) => Binary(BinaryOp.Div, this, other, "DivBackward0", saveInputs: true, static (g, a, b, y) =>
        [a.RequiresGrad ? SumTo(g / b, a) : null, b.RequiresGrad ? SumTo(-(g * y) / b, b) : null]);

    /// <summary>Elementwise power with a tensor exponent.</summary>
    public Tensor Pow(Tensor exponent) => Binary(BinaryOp.Pow, this, exponent, "PowBackward1", saveInputs: true, static (g, a, b, y) =>
    {
        Tensor? ga = null, gb = null;
        if (a.RequiresGrad)
        {
            // d/da a^b = b a^(b-1), taken as 0 where b == 0 (PyTorch's convention: at a == 0 it would be 0 * inf).
            var grad = g * b * a.Pow(b - 1);
            ga = SumTo(ZerosLike(grad).Where(b.Eq(0), grad), a);
        }

        if (b.RequiresGrad)
        {
            // d/db a^b = a^b ln a, taken as 0 where a == 0 and b >= 0 (PyTorch's convention, avoids 0 * -inf):
            // there ln is evaluated at 1 instead.
            var zeroBase = a.Eq(0) * b.Ge(0);
            gb = SumTo(g * y * (a + zeroBase).Log(), b);
        }

        return [ga, gb];
    });

    public Tensor Pow(double exponent) => Unary(UnaryOp.PowScalar, "PowBackward0", exponent);

    /// <summary>base ^ exponent elementwise for a scalar base (torch.pow(self: Scalar, exponent: Tensor)).</summary>
    public static Tensor Pow(double @base, Tensor exponent) => exponent.Unary(UnaryOp.ScalarPow, "PowBackward2", @base);

    /// <summary>Elementwise maximum; at ties each input gets half the gradient, as in PyTorch.</summary>
    public Tensor Maximum(Tensor other) => Binary(BinaryOp.Maximum, this, other, "MaximumBackward0", saveInputs: true, static (g, a, b, y) => TieSplit(g, a, b, BinaryOp.Gt));

    public Tensor Minimum(Tensor other) => Binary(BinaryOp.Minimum, this, other, "MinimumBackward0", saveInputs: true, static (g, a, b, y) => TieSplit(g, a, b, BinaryOp.Lt));

    public Tensor Eq(Tensor other) => Compare(BinaryOp.Eq, other);

    public Tensor Ne(Tensor other) => Compare(BinaryOp.Ne, other);

    public Tensor Lt(Tensor other) => Compare(BinaryOp.Lt, other);

    public Tensor Le(Tensor other) => Compare(BinaryOp.Le, other);

    public Tensor Gt(Tensor other) => Compare(BinaryOp.Gt, other);

    public Tensor Ge(Tensor other) => Compare(BinaryOp.Ge, other);

    public Tensor Eq(double value) => Compare(BinaryOp.Eq, ScalarOperand(value));

    public Tensor Gt(double value) => Compare(BinaryOp.Gt, ScalarOperand(value));

    public Tensor Lt(double value) => Compare(BinaryOp.Lt, ScalarOperand(value));

    public Tensor Ge(double value) => Compare(BinaryOp.Ge, ScalarOperand(value));

    public Tensor Le(double value) => Compare(BinaryOp.Le, ScalarOperand(value));

    public Tensor Neg() => Affine(-1, 0, "NegBackward0");

    public Tensor Exp() => Unary(UnaryOp.Exp, "ExpBackward0");

    public Tensor Log() => Unary(UnaryOp.Log, "LogBackward0");

    public Tensor Sqrt() => Unary(UnaryOp.Sqrt, "SqrtBackward0");

    public Tensor Abs() => Unary(UnaryOp.Abs, "AbsBackward0");

    public Tensor Tanh() => Unary(UnaryOp.Tanh, "TanhBackward0");

    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid, "SigmoidBackward0");

    public Tensor Relu() => Unary(UnaryOp.Relu, "ReluBackward0");

    public Tensor LeakyRelu(double negativeSlope = 0.01) => Unary(UnaryOp.LeakyRelu, "LeakyReluBackward0", negativeSlope);

    /// <summary>GELU: exact (erf) by default, or PyTorch's approximate="tanh".</summary>
    public Tensor Gelu(bool tanhApproximation = false) =>
        Unary(tanhApproximation ? UnaryOp.GeluTanh : UnaryOp.Gelu, "GeluBackward0");

    /// <summary>Limits values to [min, max]; either bound may be omitted. NaN stays NaN.</summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("Clamp: at least one of min or max must be given");
        return Unary(UnaryOp.Clamp, "ClampBackward1", min ?? double.NegativeInfinity, max ?? double.PositiveInfinity);
    }

    public Tensor Square() => Mul(this);

    public Tensor Reciprocal() => Unary(UnaryOp.ScalarDiv, "ReciprocalBackward0", 1);

    public Tensor Rsqrt() => Sqrt().Reciprocal();

    public Tensor Sign() => Unary(UnaryOp.Sign, "SignBackward0");

    /// <summary>
    /// Picks this where <paramref name="condition"/> is non-zero, else <paramref name="other"/> (torch.where), with
    /// broadcasting. The unpicked side never leaks into the result (an infinity there stays out).
    /// </summary>
    public Tensor Where(Tensor condition, Tensor other)
    {
        CheckSameDevice(this, other, "Where");
        CheckSameDevice(this, condition, "Where");
        var dtype = DTypeInfo.Promote(DType, other.DType);
        var a = ToType(dtype);
        var b = other.ToType(dtype);
        var shape = BroadcastShape(BroadcastShape(a._shape, b._shape, "Where"), condition._shape, "Where");
        Tensor mask;
        using (GradMode.Set(false)) mask = condition.ToType(dtype);
        var y = Empty(shape, dtype, Device);
        Backend.Where(mask.Storage, mask._shape, a.Storage, a._shape, b.Storage, b._shape, y.Storage, shape);
        return GraphRecorder.Record(y, "WhereBackward0", [a, b], [mask], g =>
        {
            var zero = ZerosLike(g);
            return [a.RequiresGrad ? SumTo(g.Where(mask, zero), a) : null, b.RequiresGrad ? SumTo(zero.Where(mask, g), b) : null];
        });
    }

    /// <summary>Adds another tensor's values into this one in place (no graph), as <c>tensor.add_()</c> under no_grad.</summary>
    public Tensor Add_(Tensor other)
    {
        CheckInPlaceAllowed("Add_");
        CheckSameDevice(this, other, "Add_");
        var shape = BroadcastShape(_shape, other._shape, "Add_");
        if (!shape.AsSpan().SequenceEqual(_shape))
            throw new ArgumentException($"Add_: output with shape {ShapeString(_shape)} doesn't match the broadcast shape {ShapeString(shape)} (other has shape {ShapeString(other._shape)})");
        if (!DType.IsFloatingPoint() && other.DType.IsFloatingPoint())
            throw new ArgumentException($"Add_: result type {other.DType.TorchName()} can't be cast to the desired output type {DType.TorchName()}");
        using var noGrad = GradMode.Set(false);
        var source = other.ToType(DType);
        AddInPlace(source);
        if (!ReferenceEquals(source, other)) source.Dispose();
        return this;
    }

    /// <summary>Multiplies in place by a scalar (no graph).</summary>
    public Tensor Mul_(double s)
    {
        CheckInPlaceAllowed("Mul_");
        Backend.Unary(UnaryOp.Affine, Storage, Storage, s, 0);
        Storage.BumpVersion();
        return this;
    }

    /// <summary>Sets every element in place (no graph).</summary>
    public Tensor Fill_(double value)
    {
        CheckInPlaceAllowed("Fill_");
        Backend.Fill(Storage, value);
        Storage.BumpVersion();
        return this;
    }

    /// <summary>Zeroes in place (no graph).</summary>
    public Tensor Zero_() => Fill_(0);

    /// <summary>Copies <paramref name="source"/>'s values in place (same number of elements; no graph).</summary>
    public Tensor Copy_(Tensor source)
    {
        CheckInPlaceAllowed("Copy_");
        CopyFrom(source);
        return this;
    }

    /// <summary>Sums a broadcast gradient back to an input's shape.</summary>
    internal static Tensor SumTo(Tensor g, Tensor input) => SumTo(g, input.ShapeRef);

    internal static Tensor SumTo(Tensor g, int[] shape)
    {
        if (g.ShapeRef.AsSpan().SequenceEqual(shape)) return g;
        int lead = g.Dim - shape.Length;
        var dims = new List<int>();
        for (int d = 0; d < g.Dim; d++)
            if (d < lead || (shape[d - lead] == 1 && g.ShapeRef[d] != 1)) dims.Add(d);
        var summed = dims.Count > 0 ? g.Sum(dims.ToArray(), keepdim: true) : g;
        return summed.Reshape(shape);
    }

    /// <summary>NumPy broadcasting: align from the right; sizes must match or be 1.</summary>
    internal static int[] BroadcastShape(int[] a, int[] b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {ShapeString(a)} and {ShapeString(b)} cannot be broadcast together (dimension {i}: {da} vs {db})");
            result[i] = da == 1 ? db : da;
        }

        return result;
    }

    internal static void CheckSameDevice(Tensor a, Tensor b, string op)
    {
        if (a.Device != b.Device)
            throw new ArgumentException($"{op}: expected all tensors to be on the same device, but found at least two devices, {a.Device} and {b.Device}");
    }

    private void CheckInPlaceAllowed(string op)
    {
        if (RequiresGrad && IsLeaf && GradMode.IsEnabled)
            throw new InvalidOperationException($"{op}: a leaf Variable that requires grad is being used in an in-place operation; wrap it in using (Tensor.NoGrad())");
    }

    private static Tensor?[] TieSplit(Tensor g, Tensor a, Tensor b, BinaryOp wins)
    {
        var aWins = Compare(wins, a, b);
        var tie = Compare(BinaryOp.Eq, a, b) * 0.5;
        var shareA = aWins + tie;
        return [a.RequiresGrad ? SumTo(g * shareA, a) : null, b.RequiresGrad ? SumTo(g * (1 - shareA), b) : null];
    }

    private Tensor Compare(BinaryOp op, Tensor other) => Compare(op, this, other);

    /// <summary>Comparisons yield 1/0 in the promoted dtype and never record a gradient.</summary>
    private static Tensor Compare(BinaryOp op, Tensor a, Tensor b)
    {
        CheckSameDevice(a, b, op.ToString());
        var dtype = DTypeInfo.Promote(a.DType, b.DType);
        var shape = BroadcastShape(a._shape, b._shape, op.ToString());
        using var noGrad = GradMode.Set(false);
        var ca = a.ToType(dtype);
        var cb = b.ToType(dtype);
        var y = Empty(shape, dtype, a.Device);
        a.Backend.Binary(op, ca.Storage, ca._shape, cb.Storage, cb._shape, y.Storage, shape);
        return y;
    }

    /// <summary>A broadcast operand for a comparison with a number: an integer tensor compared with a fraction compares in float64.</summary>
    private Tensor ScalarOperand(double value) =>
        Scalar(value, DType.IsFloatingPoint() || value == Math.Floor(value) ? DType : DType.Float64, Device);

    /// <summary>
    /// Runs a broadcast binary op and records its rule. <paramref name="saveInputs"/>: the rule reads the inputs' values,
    /// so an in-place change to them before backward must be caught (Add and Sub only need their shapes).
    /// </summary>
    private static Tensor Binary(BinaryOp op, Tensor a, Tensor b, string name, bool saveInputs, Func<Tensor, Tensor, Tensor, Tensor, Tensor?[]> rule)
    {
        CheckSameDevice(a, b, name);
        var dtype = DTypeInfo.Promote(a.DType, b.DType);
        if (!dtype.IsFloatingPoint() && op is BinaryOp.Div or BinaryOp.Pow)
            dtype = DType.Float32;
        a = a.ToType(dtype);
        b = b.ToType(dtype);
        var shape = BroadcastShape(a._shape, b._shape, OpName(name));
        var y = Empty(shape, dtype, a.Device);
        a.Backend.Binary(op, a.Storage, a._shape, b.Storage, b._shape, y.Storage, shape);
        return GraphRecorder.Record(y, name, [a, b], saveInputs ? [a, b] : [], g => rule(g, a, b, y));
    }

    internal Tensor Affine(double alpha, double beta, string name) => Unary(UnaryOp.Affine, name, alpha, beta);

    private Tensor Unary(UnaryOp op, string name, double alpha = 0, double beta = 0)
    {
        var x = this;
        if (!x.DType.IsFloatingPoint())
        {
            if (op != UnaryOp.Affine) throw new ArgumentException($"{OpName(name)}: expected a floating point tensor but got {x.DType.TorchName()}");
            // As PyTorch: an integer tensor times/plus an integer stays integer; a fractional scalar makes it float.
            if (alpha == Math.Floor(alpha) && beta == Math.Floor(beta)) return IntegerAffine(x, alpha, beta);
            x = x.ToType(DType.Float32);
        }

        var y = EmptyLike(x);
        x.Backend.Unary(op, x.Storage, y.Storage, alpha, beta);
        bool needsX = UnaryGradientReadsInput(op);
        bool needsY = UnaryGradientReadsOutput(op);
        // The output is checked for in-place changes by the node itself; the input only when the rule reads it.
        return GraphRecorder.Record(y, name, [x], needsX ? [x] : [], g =>
        {
            var gx = EmptyLike(g);
            // A value the rule does not read is not touched, so it may have been disposed since the forward.
            g.Backend.UnaryBackward(op, needsX ? x.Storage : g.Storage, needsY ? y.Storage : g.Storage, g.Storage, gx.Storage, alpha, beta);
            return [gx];
        });
    }

    private static bool UnaryGradientReadsInput(UnaryOp op) =>
        op is UnaryOp.Log or UnaryOp.Abs or UnaryOp.LeakyRelu or UnaryOp.Gelu or UnaryOp.GeluTanh or UnaryOp.Clamp
            or UnaryOp.PowScalar or UnaryOp.ScalarPow or UnaryOp.ScalarDiv;

    private static bool UnaryGradientReadsOutput(UnaryOp op) =>
        op is UnaryOp.Exp or UnaryOp.Sqrt or UnaryOp.Tanh or UnaryOp.Sigmoid or UnaryOp.Relu or UnaryOp.ScalarPow or UnaryOp.ScalarDiv;

    private static Tensor IntegerAffine(Tensor x, double alpha, double beta)
    {
        var y = EmptyLike(x);
        using var a = Scalar(alpha, DType.Int64, x.Device);
        using var b = Scalar(beta, DType.Int64, x.Device);
        x.Backend.Binary(BinaryOp.Mul, x.Storage, x._shape, a.Storage, [], y.Storage, x._shape);
        x.Backend.Binary(BinaryOp.Add, y.Storage, y._shape, b.Storage, [], y.Storage, y._shape);
        return y;
    }

    /// <summary>"MulBackward0" -> "Mul": the op's name for error messages.</summary>
    private static string OpName(string nodeName) => nodeName.Replace("Backward0", string.Empty).Replace("Backward1", string.Empty);
}
