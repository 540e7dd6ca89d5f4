using System.Globalization;
using System.Text;

namespace Autograd;

/// <summary>
/// ToString as PyTorch 1.13 prints (torch/_tensor_str.py with the default print options): one formatter chosen from
/// the shown values, rows wrapped at 80 characters, summarization with "..." above 1000 elements, and the suffixes
/// (dtype, grad_fn, requires_grad) wrapped onto a new line when they would pass the line width.
/// </summary>
public sealed partial class Tensor
{
    private const int SummarizeThreshold = 1000;
    private const int EdgeItems = 3;
    private const int LineWidth = 80;
    private const int Precision = 4;

    /// <summary>Prints as PyTorch does: <c>tensor([[0.2325]], grad_fn=&lt;AddmmBackward0&gt;)</c>.</summary>
    public override string ToString()
    {
        if (IsDisposed) return "tensor(<disposed>)";
        const string prefix = "tensor(";
        int indent = prefix.Length;
        var values = ReadAsDoubles();
        var suffixes = new List<string>();
        if (Device != Device.Cpu) suffixes.Add($"device='{Device}'");

        string body;
        if (values.Length == 0)
        {
            // As NumPy: the shape is printed unless it is (0,); an empty tensor cannot show its dtype by its values.
            if (Dim != 1) suffixes.Add("size=(" + string.Join(", ", _shape) + ")");
            if (DType != DType.Float32) suffixes.Add("dtype=" + DType.TorchName());
            body = "[]";
        }
        else
        {
            if (DType == DType.Float64) suffixes.Add("dtype=" + DType.TorchName());
            bool summarize = values.Length > SummarizeThreshold;
            var formatter = new ElementFormatter(summarize ? SummarizedValues(values) : values, DType);
            var sb = new StringBuilder();
            AppendTensor(sb, values, 0, 0, indent, summarize, formatter);
            body = sb.ToString();
        }

        if (GradFn is not null) suffixes.Add($"grad_fn=<{GradFn.Name}>");
        else if (RequiresGrad) suffixes.Add("requires_grad=True");
        return AddSuffixes(prefix + body, suffixes, indent);
    }

    /// <summary>_add_suffixes: each suffix goes after ", " unless the line would pass the width, then on a new line.</summary>
    private static string AddSuffixes(string tensorString, List<string> suffixes, int indent)
    {
        var sb = new StringBuilder(tensorString);
        // PyTorch's own arithmetic (len - rfind('\n') + 1), kept so lines break exactly where PyTorch's do.
        int lastLineLength = tensorString.Length - tensorString.LastIndexOf('\n') + 1;
        foreach (var suffix in suffixes)
        {
            if (lastLineLength + suffix.Length + 2 > LineWidth)
            {
                sb.Append(",\n").Append(' ', indent).Append(suffix);
                lastLineLength = indent + suffix.Length;
            }
            else
            {
                sb.Append(", ").Append(suffix);
                lastLineLength += suffix.Length + 2;
            }
        }

        return sb.Append(')').ToString();
    }

    /// <summary>_tensor_str_with_formatter: the sub-tensor of dimension <paramref name="dim"/> starting at <paramref name="offset"/>.</summary>
    private void AppendTensor(StringBuilder sb, double[] values, int dim, int offset, int indent, bool summarize, ElementFormatter formatter)
    {
        int rank = Dim - dim;
        if (rank == 0)
        {
            sb.Append(formatter.Format(values[offset]));
            return;
        }

        if (rank == 1)
        {
            AppendVector(sb, values, offset, _shape[dim], indent, summarize, formatter);
            return;
        }

        int size = _shape[dim];
        int stride = 1;
        for (int d = dim + 1; d < Dim; d++) stride *= _shape[d];
        string separator = "," + new string('\n', rank - 1) + new string(' ', indent + 1);
        sb.Append('[');
        bool elide = summarize && size > 2 * EdgeItems;
        for (int i = 0; i < size; i++)
        {
            if (elide && i == EdgeItems)
            {
                sb.Append("...").Append(separator);
                i = size - EdgeItems - 1;
                continue;
            }

            AppendTensor(sb, values, dim + 1, offset + (i * stride), indent + 1, summarize, formatter);
            if (i < size - 1) sb.Append(separator);
        }

        sb.Append(']');
    }

    /// <summary>_vector_str: elements joined by ", ", as many per line as fit in the line width.</summary>
    private static void AppendVector(StringBuilder sb, double[] values, int offset, int size, int indent, bool summarize, ElementFormatter formatter)
    {
        int elementLength = formatter.Width + 2;
        int perLine = Math.Max(1, (LineWidth - indent) / elementLength);
        var items = new List<string>(Math.Min(size, (2 * EdgeItems) + 1));
        if (summarize && size > 2 * EdgeItems)
        {
            for (int i = 0; i < EdgeItems; i++) items.Add(formatter.Format(values[offset + i]));
            items.Add(" ...");
            for (int i = size - EdgeItems; i < size; i++) items.Add(formatter.Format(values[offset + i]));
        }
        else
        {
            for (int i = 0; i < size; i++) items.Add(formatter.Format(values[offset + i]));
        }

        sb.Append('[');
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0) sb.Append(i % perLine == 0 ? ",\n" + new string(' ', indent + 1) : ", ");
            sb.Append(items[i]);
        }

        sb.Append(']');
    }

    /// <summary>get_summarized_data: the values a summarized print shows (the first and last edge items of each dim).</summary>
    private double[] SummarizedValues(double[] values)
    {
        var shown = new List<double>();
        Collect(0, 0);
        return shown.ToArray();

        void Collect(int dim, int offset)
        {
            if (dim == Dim)
            {
                shown.Add(values[offset]);
                return;
            }

            int size = _shape[dim];
            int stride = 1;
            for (int d = dim + 1; d < Dim; d++) stride *= _shape[d];
            for (int i = 0; i < size; i++)
            {
                if (size > 2 * EdgeItems && i == EdgeItems) i = size - EdgeItems;
                Collect(dim + 1, offset + (i * stride));
            }
        }
    }

    private double[] ReadAsDoubles() => DType switch
    {
        DType.Float32 => Array.ConvertAll(ToArray<float>(), v => (double)v),
        DType.Float64 => ToArray<double>(),
        _ => Array.ConvertAll(ToArray<long>(), v => (double)v),
    };

    /// <summary>
    /// PyTorch's _Formatter: integers print as "3.", a wide range of magnitudes switches to scientific notation, else
    /// 4 decimals; every element is right-aligned to the widest non-zero finite one. Rounding is half-to-even on the
    /// exact binary value, as Python's format does (.NET's standard "F"/"E" formats round the same way).
    /// </summary>
    private sealed class ElementFormatter
    {
        private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
        private readonly bool _floating;
        private readonly bool _intMode = true;
        private readonly bool _sciMode;

        public ElementFormatter(double[] values, DType dtype)
        {
            _floating = dtype.IsFloatingPoint();
            if (!_floating)
            {
                foreach (var v in values) Width = Math.Max(Width, ((long)v).ToString(Invariant).Length);
                return;
            }

            var nonZeroFinite = values.Where(v => double.IsFinite(v) && v != 0).ToArray();
            if (nonZeroFinite.Length == 0) return;
            double max = nonZeroFinite.Max(Math.Abs), min = nonZeroFinite.Min(Math.Abs);
            _intMode = nonZeroFinite.All(v => v == Math.Ceiling(v));
            _sciMode = max / min > 1000 || max > 1e8 || (!_intMode && min < 1e-4);
            foreach (var v in nonZeroFinite)
            {
                int length = _sciMode ? Scientific(v).Length : _intMode ? Fixed(v, 0).Length + 1 : Fixed(v, Precision).Length;
                Width = Math.Max(Width, length);
            }
        }

        /// <summary>The width every element is padded to (PyTorch's max_width; at least 1).</summary>
        public int Width { get; } = 1;

        public string Format(double value)
        {
            string text;
            if (!_floating) text = ((long)value).ToString(Invariant);
            else if (double.IsNaN(value)) text = "nan";
            else if (double.IsInfinity(value)) text = value > 0 ? "inf" : "-inf";
            else if (_sciMode) text = Scientific(value);
            else if (_intMode) text = Fixed(value, 0) + ".";
            else text = Fixed(value, Precision);
            return text.PadLeft(Width);
        }

        private static string Fixed(double value, int decimals) => value.ToString("F" + decimals, Invariant);

        /// <summary>Python's "{:.4e}": "1.2346e+08" (exponent with sign and at least two digits).</summary>
        private static string Scientific(double value)
        {
            var text = value.ToString("E" + Precision, Invariant);
            int e = text.IndexOf('E');
            int exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, Invariant);
            return text[..e] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", Invariant);
        }
    }
}
