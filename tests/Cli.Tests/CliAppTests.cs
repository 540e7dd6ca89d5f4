using System.Diagnostics;
using Autograd.Cluster.Cli.Tests.Support;
using Autograd.Cluster.Client.Connection;
using Autograd.Cluster.Client.Jobs;
using Autograd.Cluster.Client.Serialization;
using Xunit;

namespace Autograd.Cluster.Cli.Tests;

public sealed class CliAppTests
{
    /// <summary>Every kind of bad input that needs no cluster: arguments, job files, endpoints, model files.</summary>
    public static TheoryData<string, string[], int, string> BadInputs()
    {
        var data = new TheoryData<string, string[], int, string>
        {
            { "no command", [], ExitCodes.BadInput, "autograd: Required command was not provided." },
            { "unknown command", ["frobnicate"], ExitCodes.BadInput, "autograd: Unrecognized command or argument 'frobnicate'." },
            { "missing job argument", ["train"], ExitCodes.BadInput, "autograd: Required argument 'job' missing for command: 'train'." },
            { "unparsable option", ["train", "{tiny}", "--workers", "two"], ExitCodes.BadInput, "autograd: Cannot parse argument 'two' for option '--workers' as expected type 'System.Nullable`1[System.Int32]'." },
            { "non-positive workers", ["train", "{tiny}", "--workers", "0"], ExitCodes.BadInput, "autograd: --workers must be a positive whole number, got 0" },
            { "non-positive epochs", ["train", "{tiny}", "--epochs", "-1"], ExitCodes.BadInput, "autograd: --epochs must be a positive whole number, got -1" },
            { "missing job file", ["train", "{dir}/missing.json"], ExitCodes.BadInput, "autograd: cannot read job file '{dir}/missing.json': Could not find file '{dir}/missing.json'." },
            { "malformed json", ["train", "{broken}"], ExitCodes.BadInput, "autograd: {broken}, line 3: optimizer.lrr: unknown field 'lrr'" },
            { "wrong type", ["eval", "{typed}", "{dir}/m.safetensors"], ExitCodes.BadInput, "autograd: {typed}, line 1: epochs: expected a whole number" },
            { "malformed endpoint", ["train", "{tiny}", "--cluster", "localhost:nope"], ExitCodes.BadInput, "autograd: 'nope' in 'localhost:nope' is not a port (1-65535)" },
            { "out is a folder", ["train", "{tiny}", "--out", "{dir}"], ExitCodes.BadInput, "autograd: --out: '{dir}' is a directory; name the model file" },
            { "status without cluster", ["status", "0123"], ExitCodes.BadInput, "autograd: status needs --cluster (or $AUTOGRAD_CLUSTER): the embedded cluster of 'autograd train' lives only while it runs" },
            { "list without cluster", ["list"], ExitCodes.BadInput, "autograd: list needs --cluster (or $AUTOGRAD_CLUSTER): the embedded cluster of 'autograd train' lives only while it runs" },
            { "eval without model file", ["eval", "{tiny}", "{dir}/none.safetensors"], ExitCodes.BadInput, "autograd: no model file '{dir}/none.safetensors'" },
            { "eval of a model of another network", ["eval", "{tiny}", "{other}"], ExitCodes.BadInput, "autograd: '{other}' does not load into the job's model: " },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task RunAsync_BadInput_OneClearLineAndNonZeroExit(string what, string[] args, int code, string expected)
    {
        Assert.NotNull(what);
        using var files = new JobFiles();
        var paths = new Dictionary<string, string>
        {
            ["{tiny}"] = files.Write("tiny.json", JobFiles.Tiny()),
            ["{broken}"] = files.WriteText("broken.json", "{\n  \"optimizer\": {\n    \"lrr\": 0.1\n  }\n}"),
            ["{typed}"] = files.WriteText("typed.json", "{ \"epochs\": \"many\" }"),
            ["{other}"] = files.Path("other.safetensors"),
            ["{dir}"] = files.Directory,
        };
        WriteModelOfAnotherNetwork(paths["{other}"]);
        string Fill(string s) => paths.Aggregate(s, (text, p) => text.Replace(p.Key, p.Value, StringComparison.Ordinal));

        var result = await CliRunner.RunAsync([.. args.Select(Fill)]);

        Assert.True(result.Code == code, result.ToString());
        Assert.StartsWith(Fill(expected), result.ErrorLines.Single(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_FailuresWhileRunning_ExitCode1AndTheirMessage()
    {
        var unreachable = CliApp.Describe(new ClusterConnectionException("cannot connect to 127.0.0.1:1: no gateway answered within 30 s"));
        var failed = CliApp.Describe(new TrainingJobFailedException("job x failed: step 3 timed out"));
        var unexpected = CliApp.Describe(new AggregateException(new NotSupportedException("odd")));

        Assert.Equal(("cannot connect to 127.0.0.1:1: no gateway answered within 30 s", ExitCodes.Failure), unreachable);
        Assert.Equal(("job x failed: step 3 timed out", ExitCodes.Failure), failed);
        Assert.Equal(("NotSupportedException: odd", ExitCodes.Failure), unexpected);
    }

    [Fact]
    public async Task RunAsync_Schema_PrintsTheShippedSchema()
    {
        var result = await CliRunner.RunAsync("schema");

        Assert.Equal(ExitCodes.Success, result.Code);
        Assert.Equal(JobJson.ExportSchema(), result.Out);
    }

    [Fact]
    public async Task Process_BadJobFile_ExitsWithCode2AndOneLineOnStandardError()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Autograd.Cluster.Cli.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", cli, "train", "/nonexistent/job.json"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };

        using var process = Process.Start(start)!;
        string error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadInput, process.ExitCode);
        Assert.Equal("", output);
        Assert.Equal("autograd: cannot read job file '/nonexistent/job.json': Could not find a part of the path '/nonexistent/job.json'.", error.TrimEnd('\n'));
    }

    private static void WriteModelOfAnotherNetwork(string path)
    {
        var model = new Autograd.NN.Sequential(new Autograd.NN.Linear(4, 2));
        model.Save(path);
    }
}
