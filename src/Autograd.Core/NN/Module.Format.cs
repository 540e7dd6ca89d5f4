using System.Text;

namespace Autograd.NN;

/// <summary>The module repr, as PyTorch prints it.</summary>
public abstract partial class Module
{
    /// <summary>
    /// PyTorch's module repr: the type name, then either the one-line <see cref="ExtraRepr"/> in parentheses
    /// (<c>Linear(in_features=5, out_features=3, bias=True)</c>) or, when there are children, one indented
    /// <c>(name): child</c> line each:
    /// <code>
    /// MyNet(
    ///   (fc1): Linear(in_features=5, out_features=3, bias=True)
    ///   (relu): ReLU()
    /// )
    /// </code>
    /// </summary>
    public override string ToString()
    {
        var extra = ExtraRepr();
        var extraLines = extra.Length == 0 ? [] : extra.Split('\n');
        var childLines = OwnChildren().Select(c => $"({c.Name}): {AddIndent(c.Module.ToString(), 2)}").ToList();
        var lines = extraLines.Concat(childLines).ToList();
        var sb = new StringBuilder(GetType().Name).Append('(');
        if (lines.Count > 0)
        {
            if (extraLines.Length == 1 && childLines.Count == 0)
            {
                sb.Append(extraLines[0]);
            }
            else
            {
                sb.Append("\n  ").Append(string.Join("\n  ", lines)).Append('\n');
            }
        }

        return sb.Append(')').ToString();
    }

    /// <summary>The module's own settings for <see cref="ToString"/> (PyTorch's <c>extra_repr</c>); empty by default.</summary>
    protected virtual string ExtraRepr() => string.Empty;

    /// <summary>Indents every line but the first (PyTorch's <c>_addindent</c>).</summary>
    private static string AddIndent(string text, int spaces)
    {
        var lines = text.Split('\n');
        if (lines.Length == 1) return text;
        var pad = new string(' ', spaces);
        return lines[0] + "\n" + string.Join("\n", lines.Skip(1).Select(l => pad + l));
    }
}
