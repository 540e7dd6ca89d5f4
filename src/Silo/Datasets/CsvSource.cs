using System.Globalization;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Silo.Datasets;

/// <summary>
/// Reads a <c>csv</c> dataset split as <see cref="CsvDataSpec"/> says: every non-target column is an input feature
/// (a sample is a vector [features]); the target columns give class labels (classification, one column of whole
/// numbers) or float targets [targets] (regression). A bad value is refused naming the file's field, its line and its
/// column.
/// </summary>
internal static class CsvSource
{
    private const string SpecPath = "dataset.csvData";

    /// <summary>Refuses options that are wrong whatever the file holds.</summary>
    public static char CheckOptions(CsvDataSpec? spec)
    {
        if (spec is null) throw new JobSpecException(SpecPath, "is missing (dataset.kind is csv)");
        if (!CsvDataSpec.Tasks.Contains(spec.Task))
            throw new JobSpecException($"{SpecPath}.task", $"unknown task '{spec.Task}'; known tasks: {string.Join(", ", CsvDataSpec.Tasks)}");
        if (spec.Delimiter is not { Length: 1 } d || d[0] is '"' or '\r' or '\n' or '.' or '-' or '+' or 'e' or 'E' || char.IsAsciiDigit(d[0]))
            throw new JobSpecException($"{SpecPath}.delimiter", $"must be one character that cannot occur in a number, got '{spec.Delimiter}'");
        if (spec.TargetColumns is null) throw new JobSpecException($"{SpecPath}.targetColumns", "is missing (empty means the last column)");
        if (spec.Task == CsvDataSpec.Classification && spec.TargetColumns.Length > 1)
            throw new JobSpecException($"{SpecPath}.targetColumns", $"classification takes one label column, got {spec.TargetColumns.Length}");
        return d[0];
    }

    public static SampleSet Read(DatasetFile file, CsvDataSpec spec)
    {
        char delimiter = CheckOptions(spec);
        using var lines = new CsvLineReader(new StreamReader(file.Open()), file);
        string? first = NextNonBlank(lines);
        if (first is null) throw new JobSpecException(file.Field, $"'{file.Path}' is empty");
        var fields = Split(first, delimiter);
        bool header = spec.Header ?? fields.Any(f => !float.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        string[]? names = header ? fields : null;
        int columns = fields.Length;
        var targets = ResolveTargets(spec.TargetColumns, names, columns);
        if (targets.Length == columns) throw new JobSpecException($"{SpecPath}.targetColumns", $"every one of the {columns} columns is a target: no column is left for inputs");
        var isTarget = new bool[columns];
        foreach (int t in targets) isTarget[t] = true;

        bool classification = spec.Task == CsvDataSpec.Classification;
        var inputs = new List<float>();
        var values = new List<float>();
        var labels = new List<long>();
        int samples = 0;
        for (string? line = header ? NextNonBlank(lines) : first; line is not null; line = NextNonBlank(lines))
        {
            var row = Split(line, delimiter);
            if (row.Length != columns)
                throw new JobSpecException(file.Field, $"'{file.Path}' line {lines.LineNumber} has {row.Length} fields, but the {(header ? "header" : "first line")} has {columns}");
            if ((long)(samples + 1) * columns > DatasetProvider.MaxValues)
                throw new JobSpecException(file.Field, $"'{file.Path}' holds more than the {DatasetProvider.MaxValues} values a dataset may hold");
            for (int c = 0; c < columns; c++)
            {
                if (!isTarget[c]) inputs.Add(Parse(row[c], file, lines.LineNumber, c, names));
            }

            foreach (int t in targets)
            {
                float v = Parse(row[t], file, lines.LineNumber, t, names);
                if (!classification)
                {
                    values.Add(v);
                }
                else if (v < 0 || v != MathF.Floor(v) || v >= int.MaxValue)
                {
                    throw new JobSpecException(file.Field, $"'{file.Path}' line {lines.LineNumber}, {Column(t, names)}: {row[t]} is not a class index (a whole number from 0)");
                }
                else
                {
                    labels.Add((long)v);
                }
            }

            samples++;
        }

        if (samples == 0) throw new JobSpecException(file.Field, $"'{file.Path}' holds a header but no samples");
        int features = columns - targets.Length;
        var tensor = Tensor.From(inputs.ToArray(), [samples, features]);
        return classification
            ? new SampleSet(tensor, [features], labels.ToArray(), null, [])
            : new SampleSet(tensor, [features], null, values.ToArray(), [targets.Length]);
    }

    private static int[] ResolveTargets(string[] given, string[]? names, int columns)
    {
        const string field = $"{SpecPath}.targetColumns";
        if (given.Length == 0) return [columns - 1];
        var resolved = new List<int>();
        foreach (string column in given)
        {
            int index;
            if (int.TryParse(column, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n))
            {
                index = n < 0 ? columns + n : n;
                if (index < 0 || index >= columns) throw new JobSpecException(field, $"column {n} is outside the file's {columns} columns");
            }
            else
            {
                if (names is null) throw new JobSpecException(field, $"'{column}' is a column name, but the file has no header row: give a 0-based index");
                index = Array.IndexOf(names, column);
                if (index < 0) throw new JobSpecException(field, $"no column '{column}'; the header names {string.Join(", ", names)}");
            }

            if (resolved.Contains(index)) throw new JobSpecException(field, $"column {index} is named twice");
            resolved.Add(index);
        }

        return [.. resolved];
    }

    private static float Parse(string text, DatasetFile file, int line, int column, string[]? names) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)
            ? v
            : throw new JobSpecException(file.Field, $"'{file.Path}' line {line}, {Column(column, names)}: '{Shorten(text)}' is not a finite number");

    private static string Column(int index, string[]? names) =>
        names is null ? $"column {index}" : $"column {index} ('{Shorten(names[index])}')";

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static string[] Split(string line, char delimiter) =>
        line.Split(delimiter).Select(f => f.Trim().Trim('"').Trim()).ToArray();

    private static string? NextNonBlank(CsvLineReader lines)
    {
        string? line;
        while ((line = lines.ReadLine()) is not null && string.IsNullOrWhiteSpace(line))
        {
        }

        return line;
    }
}
