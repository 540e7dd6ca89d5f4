using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Client.Serialization;

/// <summary>
/// Exports the JSON schema of job files from the spec types themselves (System.Text.Json's exporter over
/// <see cref="JobJson.Options"/>), adding what the types alone do not say: the flat form of a layer, float lists, and
/// the names each string field accepts (taken from the contracts' own lists, so the schema cannot drift from them).
/// </summary>
internal static class JobSchema
{
    private static readonly Dictionary<(Type, string), IReadOnlyList<string>> Names = new()
    {
        [(typeof(JobSpec), "loss")] = LossNames.All,
        [(typeof(JobSpec), "onNonFiniteLoss")] = [JobSpec.StopOnNonFinite, JobSpec.SkipNonFiniteStep],
        [(typeof(OptimizerSpec), "kind")] = OptimizerSpec.Kinds,
        [(typeof(LrScheduleSpec), "kind")] = LrScheduleSpec.Kinds,
        [(typeof(DatasetSpec), "kind")] = DatasetSpec.Kinds,
        [(typeof(SyntheticDataSpec), "generator")] = SyntheticDataSpec.Generators,
        [(typeof(CsvDataSpec), "task")] = CsvDataSpec.Tasks,
    };

    public static string Export(JsonSerializerOptions options)
    {
        var exporter = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = Transform,
        };
        var schema = options.GetJsonSchemaAsNode(typeof(JobSpec), exporter).AsObject();
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "https://autograd.cluster/job.schema.json",
            ["title"] = "Autograd.Cluster training job",
            ["description"] = "A training job (Autograd.Cluster.Contracts.Specs.JobSpec) as the autograd CLI and TrainingClient read it. Fields left out keep their defaults.",
        };
        foreach (var (key, value) in schema.ToList())
        {
            schema.Remove(key);
            root[key] = value;
        }

        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode node)
    {
        var type = context.TypeInfo.Type;
        if (type == typeof(LayerSpec)) return LayerSchema();
        if (type == typeof(LayerSpec[]) && node is JsonObject layers)
        {
            layers["items"] = LayerSchema();
            return layers;
        }

        if (type == typeof(FloatBlock)) return new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "number" } };
        if (context.PropertyInfo is { } property && property.DeclaringType is { } declaring &&
            Names.TryGetValue((declaring, property.Name), out var names) && node is JsonObject obj)
        {
            obj["enum"] = new JsonArray(names.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
        }

        if (context.PropertyInfo?.Name == "$schema" && node is JsonObject reference)
            reference["description"] = "The schema this file follows (ignored when read).";
        return node;
    }

    private static JsonObject LayerSchema() => new()
    {
        ["type"] = "object",
        ["description"] = "One layer: the engine module's name and its constructor arguments in camelCase, e.g. { \"type\": \"Linear\", \"inFeatures\": 784, \"outFeatures\": 256 }.",
        ["required"] = new JsonArray("type"),
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "Linear, Conv2d, MaxPool2d, AvgPool2d, Flatten, ReLU, LeakyReLU, Tanh, Sigmoid, GELU, Dropout, LayerNorm, BatchNorm1d, BatchNorm2d, or the name of a model registered in the silos" },
        },
        ["additionalProperties"] = new JsonObject
        {
            ["anyOf"] = new JsonArray(
                new JsonObject { ["type"] = "number" },
                new JsonObject { ["type"] = "boolean" },
                new JsonObject { ["type"] = "string" },
                new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "number" } }),
        },
    };
}
