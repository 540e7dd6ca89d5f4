using System.Globalization;
using System.Text;

namespace Autograd;

public sealed partial class Tensor
{
    private const int SummarizeThreshold = 1000;
    private const int EdgeItems = 3;

    /// <summary>Prints as PyTorch does: <c>tensor([[0.2325]], grad_fn=&lt;AddmmBackward0&gt;)</c>.</summary>
    public override string ToString()
    {
        if (IsDisposed) return "tensor(<disposed>)";
        var values = ReadAsDoubles();
        var format = ChooseFormat(values, DType);
        var sb = new StringBuilder("tensor(");
        bool summarize = values.Length > SummarizeThreshold;
        if (Dim == 0)
        {
            sb.Append(format(values[0]).Trim());
        }
        else if (values.Length == 0)
        {
            sb.Append("[]");
        }
        else
        {
            int width = 0;
            foreach (var v in values) width = Math.Max(width, format(v).Length);
            AppendDim(sb, values, 0, 0, format, width, indent: 7, summarize);
        }

        if (values.Length == 0 && Dim > 1) sb.Append(", size=(").Append(string.Join(", ", _shape)).Append(')');
        if (Device != Device.Cpu) sb.Append(", device='").Append(Device).Append('\'');
        if (DType == DType.Float64) sb.Append(", dtype=torch.float64");
        if (GradFn is not null) sb.Append(", grad_fn=<").Append(GradFn.Name).Append('>');
        else if (RequiresGrad) sb.Append(", requires_grad=True");
        return sb.Append(')').ToString();
    }

    private void AppendDim(StringBuilder sb, double[] values, int dim, int offset, Func<double, string> format, int width, int indent, bool summarize)
    {
        int size = _shape[dim];
        int stride = 1;
        for (int d = dim + 1; d < Dim; d++) stride *= _shape[d];
        sb.Append('[');
        bool last = dim == Dim - 1;
        for (int i = 0; i < size; i++)
        {
            if (summarize && size > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(last ? "...," : "...,");
                sb.Append(last ? " " : "\n" + new string('\n', Dim - dim - 2) + new string(' ', indent + dim + 1));
                i = size - EdgeItems - 1;
                continue;
            }

            if (last)
            {
                sb.Append(format(values[offset + i]).PadLeft(width));
            }
            else
            {
                AppendDim(sb, values, dim + 1, offset + (i * stride), format, width, indent, summarize);
            }

            if (i < size - 1)
            {
                sb.Append(',');
                sb.Append(last ? " " : "\n" + new string('\n', Dim - dim - 2) + new string(' ', indent + dim + 1));
            }
        }

        sb.Append(']');
    }

    private double[] ReadAsDoubles() => DType switch
    {
        DType.Float32 => Array.ConvertAll(ToArray<float>(), v => (double)v),
        DType.Float64 => ToArray<double>(),
        _ => Array.ConvertAll(ToArray<long>(), v => (double)v),
    };

    /// <summary>PyTorch's _Formatter: integers as "3.", sci notation for wide ranges, else 4 decimals.</summary>
    private static Func<double, string> ChooseFormat(double[] values, DType dtype)
    {
        var inv = CultureInfo.InvariantCulture;
        if (dtype == DType.Int64) return v => ((long)v).ToString(inv);
        var finite = values.Where(double.IsFinite).ToArray();
        string Special(double v) => double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
        if (finite.Length == 0) return v => double.IsFinite(v) ? v.ToString("0.", inv) : Special(v);
        bool allIntegers = finite.All(v => v == Math.Floor(v));
        var nonZero = finite.Select(Math.Abs).Where(v => v != 0).ToArray();
        double max = nonZero.Length > 0 ? nonZero.Max() : 0, min = nonZero.Length > 0 ? nonZero.Min() : 0;
        if (allIntegers)
        {
            if (max > 1e8) return v => double.IsFinite(v) ? v.ToString("0.0000e+00", inv) : Special(v);
            return v => double.IsFinite(v) ? v.ToString("0", inv) + "." : Special(v);
        }

        if (nonZero.Length > 0 && (max / min > 1000 || max > 1e8 || min < 1e-4))
            return v => double.IsFinite(v) ? v.ToString("0.0000e+00", inv) : Special(v);
        return v => double.IsFinite(v) ? v.ToString("0.0000", inv) : Special(v);
    }
}
