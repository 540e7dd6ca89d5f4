namespace Autograd.Cluster.Contracts;

/// <summary>
/// A job was refused at submit: <see cref="Field"/> is the path of the spec field at fault (<c>optimizer.lr</c>,
/// <c>model.layers[2]</c>, <c>dataset.kind</c>) and the message says what is wrong with it. Crosses grain calls intact.
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.JobSpecException")]
public sealed class JobSpecException : Exception
{
    public JobSpecException()
    {
    }

    public JobSpecException(string message)
        : base(message)
    {
    }

    public JobSpecException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public JobSpecException(string field, string problem)
        : base($"{field}: {OneLine(problem)}")
    {
        Field = field;
    }

    /// <summary>The spec field at fault, as a path from the job spec's root.</summary>
    [Id(0)]
    public string Field { get; init; } = string.Empty;

    // A refusal is one line (a CLI prints it, a status event holds it): wrapped engine messages such as
    // ArgumentOutOfRangeException's ("...\nActual value was -0.5.") are joined onto it.
    private static string OneLine(string? problem) =>
        string.Join(' ', (problem ?? string.Empty).Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
