using System.Text.Json;
using Autograd.Cluster.Client.Serialization;
using Autograd.Cluster.Client.Tests.Support;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Json.Schema;
using Xunit;

namespace Autograd.Cluster.Client.Tests.Serialization;

public sealed class JobJsonTests
{
    public static TheoryData<string> Examples() => new(Directory.GetFiles(TestJobs.Examples, "*.json")
        .Select(Path.GetFileName)
        .Where(f => f != "job.schema.json")
        .Order()!);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Load_EveryExample_ValidatesAgainstTheSchemaAndDeserializes(string file)
    {
        string path = Path.Combine(TestJobs.Examples, file);
        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(TestJobs.Examples, "job.schema.json")), Isolated());
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });

        var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var spec = JobJson.Load(path);

        Assert.True(result.IsValid, string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        Assert.NotEmpty(spec.Model.Layers);
    }

    // The schema's $id would be registered once per process in the library's global registry: give each load its own.
    private static BuildOptions Isolated() => new() { SchemaRegistry = new SchemaRegistry() };

    [Fact]
    public void ExportSchema_MatchesTheShippedSchemaFile()
    {
        string shipped = File.ReadAllText(Path.Combine(TestJobs.Examples, "job.schema.json"));

        // A change to the spec types changes the export: regenerate with `autograd schema > examples/job.schema.json`.
        Assert.Equal(shipped.ReplaceLineEndings("\n"), JobJson.ExportSchema());
    }

    [Fact]
    public void Schema_RefusesAnUnknownLossAndAnUnknownField()
    {
        var schema = JsonSchema.FromText(JobJson.ExportSchema(), Isolated());

        Assert.False(schema.Evaluate(JsonDocument.Parse("""{ "loss": "hinge" }""").RootElement).IsValid);
        Assert.False(schema.Evaluate(JsonDocument.Parse("""{ "optimizer": { "lrr": 0.1 } }""").RootElement).IsValid);
        Assert.True(schema.Evaluate(JsonDocument.Parse("""{ "loss": "mse", "optimizer": { "kind": "sgd", "lr": 0.1 } }""").RootElement).IsValid);
    }

    [Fact]
    public void Serialize_ThenParse_GivesAnEqualSpec()
    {
        var spec = TestJobs.Tiny() with { LrSchedule = new LrScheduleSpec { Kind = LrScheduleSpec.Cosine, TMax = 3 }, StepTimeout = TimeSpan.FromSeconds(90) };

        string json = JobJson.Serialize(spec);
        var back = JobJson.Parse(json);

        Assert.Equal(json, JobJson.Serialize(back));
        Assert.Equal(spec.Model.Layers.Select(l => (l.Type, string.Join(";", l.Args.Select(a => $"{a.Key}={a.Value}")))), back.Model.Layers.Select(l => (l.Type, string.Join(";", l.Args.Select(a => $"{a.Key}={a.Value}")))));
        Assert.Equal(spec.Optimizer, back.Optimizer);
        Assert.Equal(spec.LrSchedule, back.LrSchedule);
        Assert.Equal(TimeSpan.FromSeconds(90), back.StepTimeout);
        Assert.Contains("\"inFeatures\": 6", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_LayerArguments_BecomeTheSpecsArgumentText()
    {
        var spec = JobJson.Parse("""{ "model": { "layers": [ { "type": "Conv2d", "inChannels": 1, "outChannels": 4, "kernelSize": [3, 3], "bias": false }, { "type": "Dropout", "p": 0.25 } ] } }""");

        Assert.Equal("3,3", spec.Model.Layers[0].Args["kernelSize"]);
        Assert.Equal("false", spec.Model.Layers[0].Args["bias"]);
        Assert.Equal("0.25", spec.Model.Layers[1].Args["p"]);
    }

    [Fact]
    public void Parse_MissingFields_KeepTheSpecsDefaults()
    {
        var spec = JobJson.Parse("""{ "epochs": 3 }""");

        Assert.Equal(3, spec.Epochs);
        Assert.Equal(new JobSpec().BatchSize, spec.BatchSize);
        Assert.Equal(new JobSpec().Loss, spec.Loss);
    }

    [Theory]
    [InlineData("{\n  \"optimizer\": {\n    \"lrr\": 0.1\n  }\n}", "optimizer.lrr", "job.json, line 3: optimizer.lrr: unknown field 'lrr'")]
    [InlineData("{\n  \"batchSize\": \"big\"\n}", "batchSize", "job.json, line 2: batchSize: expected a whole number")]
    [InlineData("{ \"epochs\": 1.5 }", "epochs", "expected a whole number")]
    [InlineData("{ \"model\": { \"layers\": [ { \"inFeatures\": 3 } ] } }", "model.layers[0]", "a layer needs \"type\"")]
    [InlineData("{ \"model\": { \"layers\": [ { \"type\": \"Linear\", \"inFeatures\": { } } ] } }", "model.layers[0]", "layer argument 'inFeatures' must be")]
    [InlineData("{ \"epochs\": 2 ", "spec", "not valid JSON")]
    [InlineData("[1, 2]", "spec", "expected an object")]
    public void Parse_BadJson_ThrowsJobSpecExceptionNamingFieldAndLine(string json, string field, string message)
    {
        var error = Assert.Throws<JobSpecException>(() => JobJson.Parse(json, "job.json"));

        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("job.json", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Load_MissingFile_NamesTheFile()
    {
        var error = Assert.Throws<JobSpecException>(() => JobJson.Load("/nonexistent/job.json"));

        Assert.Equal("file", error.Field);
        Assert.Contains("cannot read job file '/nonexistent/job.json'", error.Message, StringComparison.Ordinal);
    }
}
