namespace Autograd.Cluster.Contracts.Specs;

/// <summary>
/// How a <c>csv</c> dataset is read: comma-separated numbers (invariant culture, <c>.</c> decimals), one sample per
/// line, blank lines skipped. The <see cref="TargetColumns"/> are the targets; every other column is an input feature
/// (a sample is a vector of them).
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.CsvDataSpec")]
public sealed record CsvDataSpec
{
    public const string Classification = "classification";
    public const string Regression = "regression";

    public static readonly IReadOnlyList<string> Tasks = [Classification, Regression];

    /// <summary>
    /// Whether the first line names the columns: true, false, or null to detect it (a first line with a field that is
    /// not a number is a header).
    /// </summary>
    [Id(0)]
    public bool? Header { get; init; }

    /// <summary>
    /// The target columns, by header name or 0-based index (<c>"3"</c>, <c>"-1"</c> = the last); empty = the last column.
    /// Classification takes exactly one, whose values must be whole numbers 0..classes-1.
    /// </summary>
    [Id(1)]
    public string[] TargetColumns { get; init; } = [];

    /// <summary><c>classification</c> (integer labels, so class outputs and accuracy) or <c>regression</c> (float targets).</summary>
    [Id(2)]
    public string Task { get; init; } = Classification;

    /// <summary>The field separator, one character (default <c>,</c>).</summary>
    [Id(3)]
    public string Delimiter { get; init; } = ",";
}
