using System.Text;
using Autograd.Cluster.Contracts;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// Reads a CSV file line by line (LF or CRLF) with a cap on the length of one line, so a file without line breaks
/// is refused instead of becoming one string of its whole size.
/// </summary>
internal sealed class CsvLineReader(TextReader reader, DatasetFile file) : IDisposable
{
    /// <summary>The longest line accepted, in characters (1 Mi: about 100k numeric columns).</summary>
    public const int MaxLineChars = 1024 * 1024;

    private readonly StringBuilder _line = new();

    /// <summary>The 1-based number of the line last returned.</summary>
    public int LineNumber { get; private set; }

    /// <summary>The next line without its terminator; null at the end of the file.</summary>
    public string? ReadLine()
    {
        _line.Clear();
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '\n') break;
            if (_line.Length == MaxLineChars)
                throw new JobSpecException(file.Field, $"'{file.Path}': line {LineNumber + 1} is longer than {MaxLineChars} characters");
            _line.Append((char)c);
        }

        if (c < 0 && _line.Length == 0) return null;
        LineNumber++;
        if (_line.Length > 0 && _line[^1] == '\r') _line.Length--;
        return _line.ToString();
    }

    public void Dispose() => reader.Dispose();
}
