using System.Text.Json;
using System.Text.RegularExpressions;
using Autograd.Cluster.Contracts;

namespace Autograd.Cluster.Client.Serialization;

/// <summary>Turns System.Text.Json's errors into one-line <see cref="JobSpecException"/>s that name the field and the line.</summary>
internal static partial class JsonErrors
{
    public static JobSpecException ToSpecException(JsonException e, string source)
    {
        string field = FieldOf(e.Path);
        string where = e.LineNumber is { } line ? $"{source}, line {line + 1}" : source;
        string message = FirstSentence(e.Message);
        string problem;
        if (UnmappedProperty().Match(message) is { Success: true } unmapped)
        {
            string name = unmapped.Groups["name"].Value;
            // The path already ends with the unknown property's name.
            if (!field.EndsWith(name, StringComparison.Ordinal)) field = field.Length == 0 ? name : $"{field}.{name}";
            problem = $"unknown field '{name}'";
        }
        else if (ConversionFailure().Match(message) is { Success: true } conversion)
        {
            problem = $"expected {Friendly(conversion.Groups["type"].Value)}";
        }
        else if (e.Path is null || e.InnerException?.GetType().Name == "JsonReaderException")
        {
            problem = $"not valid JSON: {message}";
        }
        else
        {
            problem = message;
        }

        return Error(field.Length == 0 ? "spec" : field, where, problem);
    }

    /// <summary>"job.json, line 3: optimizer.lrr: unknown field 'lrr'"; the root is not named.</summary>
    public static JobSpecException Error(string field, string where, string problem) =>
        new(field == "spec" ? $"{where}: {problem}" : $"{where}: {field}: {problem}") { Field = field };

    /// <summary><c>$.model.layers[2].inFeatures</c> to <c>model.layers[2].inFeatures</c>.</summary>
    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return string.Empty;
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        string first = cut >= 0 ? message[..cut] : message;
        return first.ReplaceLineEndings(" ").Trim();
    }

    private static string Friendly(string type) => type switch
    {
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Double" or "System.Single" => "a number",
        "System.Boolean" => "true or false",
        "System.String" => "a string",
        "System.TimeSpan" => "a duration \"hh:mm:ss\"",
        _ when type.EndsWith("[]", StringComparison.Ordinal) => "a list",
        _ when type.StartsWith("Autograd.Cluster.", StringComparison.Ordinal) => "an object",
        _ => type,
    };

    [GeneratedRegex("The JSON property '(?<name>[^']*)' could not be mapped")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex("could not be converted to (?<type>[^.\\s]+(\\.[^.\\s]+)*)")]
    private static partial Regex ConversionFailure();
}
