using System.Text.RegularExpressions;
using Autograd.Cluster.Cli.Tests.Support;
using Autograd.Cluster.Client;
using Autograd.Cluster.Contracts.Status;
using Autograd.Serialization;
using Xunit;

namespace Autograd.Cluster.Cli.Tests.Commands;

public sealed class ClusterCommandsTests(LocalClusterFixture cluster)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListStatusCancelDownload_OnARunningJob_ShowAndControlIt()
    {
        var job = await cluster.Client.SubmitAsync(JobFiles.Tiny(readDelayMs: 20, epochs: 100), cancellationToken: Token);
        await foreach (var progress in job.WatchAsync(TimeSpan.FromMilliseconds(10), Token))
        {
            if (progress.Step >= 2) break;
        }

        var list = await CliRunner.RunAsync("list", "--cluster", cluster.Endpoint);
        var status = await CliRunner.RunAsync("status", job.JobId, "--cluster", cluster.Endpoint);
        var early = await CliRunner.RunAsync("download", job.JobId, "--cluster", cluster.Endpoint, "--out", Path.Combine(Path.GetTempPath(), job.JobId + ".safetensors"));
        var cancel = await CliRunner.RunAsync("cancel", job.JobId, "--cluster", cluster.Endpoint, "--reason", "from the test");
        await job.WaitAsync(TimeSpan.FromMilliseconds(10), Token);
        string path = Path.Combine(Path.GetTempPath(), job.JobId + ".safetensors");
        var download = await CliRunner.RunAsync("download", job.JobId, "--cluster", cluster.Endpoint, "--out", path);

        try
        {
            Assert.True(list.Code == 0, list.ToString());
            Assert.Matches(new Regex($"{job.JobId}\\s+Running\\s"), list.Out);
            Assert.True(status.Code == 0, status.ToString());
            Assert.StartsWith($"job {job.JobId}: Running", status.Out, StringComparison.Ordinal);
            Assert.Contains("worker 1 on ", status.Out, StringComparison.Ordinal);
            Assert.Equal(ExitCodes.BadInput, early.Code);
            Assert.Contains("can be downloaded once it has ended", early.ErrorLines.Single(), StringComparison.Ordinal);
            Assert.True(cancel.Code == 0, cancel.ToString());
            Assert.Contains("cancel requested", cancel.Out, StringComparison.Ordinal);
            Assert.Equal(JobState.Cancelled, (await job.GetStatusAsync(Token)).State);
            Assert.True(download.Code == 0, download.ToString());
            Assert.Equal(["0.bias", "0.weight", "2.bias", "2.weight"], TensorSafetensors.Load(path).Keys.Order());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("status")]
    [InlineData("cancel")]
    [InlineData("download")]
    public async Task JobCommand_UnknownJobId_OneLineAndExitCode2(string command)
    {
        string id = TrainingClient.NewJobId();

        var result = await CliRunner.RunAsync(command, id, "--cluster", cluster.Endpoint);

        Assert.Equal(ExitCodes.BadInput, result.Code);
        Assert.Equal($"autograd: no job '{id}' on this cluster", result.ErrorLines.Single());
    }
}
