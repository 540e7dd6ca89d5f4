using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Client.Serialization;

/// <summary>
/// JSON job files: a <see cref="JobSpec"/> in camelCase with the spec's own field names and defaults (a field left out
/// keeps its default), layers written flat (<c>{ "type": "Linear", "inFeatures": 784, "outFeatures": 256 }</c>),
/// <c>stepTimeout</c> as <c>"hh:mm:ss"</c>, comments and trailing commas allowed. <c>job.schema.json</c> (shipped
/// beside the library) describes the same schema. A file that cannot be read throws <see cref="JobSpecException"/>
/// whose field is the JSON path at fault and whose message names the file and the line.
/// </summary>
public static class JobJson
{
    /// <summary>The options every job file is read and written with.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Reads a job file.</summary>
    /// <exception cref="JobSpecException">The file is missing, is not JSON, or has an unknown field or a value of the wrong type.</exception>
    public static JobSpec Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JobSpecException($"cannot read job file '{path}': {e.Message}") { Field = "file" };
        }

        return Parse(text, path);
    }

    /// <summary>Reads a job from JSON text; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="JobSpecException">The text is not JSON, or has an unknown field or a value of the wrong type.</exception>
    public static JobSpec Parse(string json, string source = "job")
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<JobSpec>(json, Options)
                ?? throw JsonErrors.Error("spec", source, "is null, expected a job object");
        }
        catch (JsonException e)
        {
            throw JsonErrors.ToSpecException(e, source);
        }
    }

    /// <summary>Writes a job as indented JSON.</summary>
    public static string Serialize(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return JsonSerializer.Serialize(spec, Options);
    }

    /// <summary>Writes a job file.</summary>
    public static void Save(JobSpec spec, string path) => File.WriteAllText(path, Serialize(spec) + Environment.NewLine);

    /// <summary>The JSON schema of job files (what <c>examples/job.schema.json</c> holds), exported from the spec types and these options.</summary>
    public static string ExportSchema() => JobSchema.Export(Options);

    private static void AcceptSchemaReference(JsonTypeInfo type)
    {
        if (type.Type != typeof(JobSpec)) return;
        var schema = type.CreateJsonPropertyInfo(typeof(string), "$schema");
        schema.Set = static (_, _) => { };
        type.Properties.Insert(0, schema);
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // Web defaults read "3" as a number; a job file says what it means.
            NumberHandling = JsonNumberHandling.Strict,
            RespectNullableAnnotations = true,
        };
        // A job file may name its schema ("$schema": "./job.schema.json") for editors; the reader ignores it.
        options.TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { AcceptSchemaReference } };
        options.Converters.Add(new LayerSpecJsonConverter());
        options.Converters.Add(new FloatBlockJsonConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
