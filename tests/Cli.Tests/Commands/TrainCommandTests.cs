using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Autograd.Cluster.Cli.Tests.Support;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Training;
using Xunit;

namespace Autograd.Cluster.Cli.Tests.Commands;

public sealed partial class TrainCommandTests(LocalClusterFixture cluster)
{
    [Fact]
    public async Task Train_TinyJobOnEmbeddedCluster_WritesModelAndCurvesAndReportsTheAccuracyTheModelGives()
    {
        using var files = new JobFiles();
        string job = files.Write("tiny.json", JobFiles.Tiny());
        string model = files.Path("out/tiny.safetensors");

        var result = await CliRunner.RunAsync("train", job, "--out", model, "--silos", "2", "--device", "cpu");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Empty(result.Error);
        Assert.Contains("submitted to an embedded cluster of 2 silo(s)", result.Out, StringComparison.Ordinal);
        Assert.Contains("epoch 2/2: loss", result.Out, StringComparison.Ordinal);
        Assert.Contains($"model: {model}", result.Out, StringComparison.Ordinal);
        Assert.Contains($"curves: {files.Path("out/tiny.svg")}", result.Out, StringComparison.Ordinal);
        var svg = XDocument.Load(files.Path("out/tiny.svg"));
        Assert.NotEmpty(svg.Descendants(XName.Get("polyline", "http://www.w3.org/2000/svg")));
        double reported = double.Parse(TestAccuracy().Match(result.Out).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(Math.Round(AccuracyOfSavedModel(JobFiles.Tiny(), model) * 100, 2), reported, 6);

        // autograd eval, the engine in this process on the test split, agrees with what train reported.
        var evaluated = await CliRunner.RunAsync("eval", job, model);
        Assert.True(evaluated.Code == 0, evaluated.ToString());
        Assert.StartsWith($"test accuracy: {reported.ToString("0.00", CultureInfo.InvariantCulture)}% (40 samples, cross-entropy ", evaluated.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_OnARunningCluster_OverridesWorkersAndEpochs()
    {
        using var files = new JobFiles();
        string job = files.Write("tiny.json", JobFiles.Tiny(epochs: 5));

        var result = await CliRunner.RunAsync("train", job, "--cluster", cluster.Endpoint, "--workers", "1", "--epochs", "1", "--out", files.Path("m.safetensors"));

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("epoch 1/1: loss", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch 2/", result.Out, StringComparison.Ordinal);
        string id = Regex.Match(result.Out, "job ([0-9a-f]{32}) submitted").Groups[1].Value;
        var status = await (await cluster.Client.GetJobAsync(id, TestContext.Current.CancellationToken)).GetStatusAsync(TestContext.Current.CancellationToken);
        Assert.Single(status.Workers);
        Assert.True(File.Exists(files.Path("m.safetensors")));
        Assert.True(File.Exists(files.Path("m.svg")));
    }

    [Fact]
    public async Task Train_SpecTheClusterRefuses_OneLineNamingTheLayerAndExitCode2()
    {
        using var files = new JobFiles();
        string job = files.Write("bad.json", JobFiles.Tiny() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 8), LayerSpec.Tanh(), LayerSpec.Linear(5, 3)) });

        var result = await CliRunner.RunAsync("train", job, "--cluster", cluster.Endpoint, "--out", files.Path("m.safetensors"));

        Assert.Equal(ExitCodes.BadInput, result.Code);
        Assert.StartsWith("autograd: the cluster refused the job: model.layers[2]: Linear expects input [*, 5] but gets [2, 8]", result.ErrorLines.Single(), StringComparison.Ordinal);
        Assert.False(File.Exists(files.Path("m.safetensors")));
    }

    [Fact]
    public async Task Train_JobThatFails_OneLineWithTheReasonAndExitCode1()
    {
        using var files = new JobFiles();
        // A step timeout shorter than one batch read fails the job at its first step.
        string job = files.Write("slow.json", JobFiles.Tiny(readDelayMs: 2000) with { StepTimeout = TimeSpan.FromMilliseconds(200) });

        var result = await CliRunner.RunAsync("train", job, "--cluster", cluster.Endpoint, "--out", files.Path("m.safetensors"));

        Assert.Equal(ExitCodes.Failure, result.Code);
        Assert.Matches("^autograd: job [0-9a-f]{32} failed: .*timed out", result.ErrorLines.Single());
    }

    private static double AccuracyOfSavedModel(JobSpec spec, string path)
    {
        var test = new DatasetProvider().LoadTest(spec.Dataset, spec.Loss)!;
        var model = ModelFactory.Build(spec.Model, new Generator(0));
        model.Load(path, strict: true);
        model.Eval();
        using var noGrad = Tensor.NoGrad();
        long[] predicted = model.Forward(test.Dataset.Tensors[0]).Argmax(1).ToArray<long>();
        long[] labels = test.Dataset.Tensors[1].ToArray<long>();
        return predicted.Zip(labels).Count(p => p.First == p.Second) / (double)labels.Length;
    }

    [GeneratedRegex(@"test accuracy: (\d+\.\d\d)%")]
    private static partial Regex TestAccuracy();
}
