using System.Net;
using System.Net.Sockets;
using Autograd.Cluster.Client.Connection;
using Autograd.Cluster.Client.Jobs;
using Autograd.Cluster.Client.Tests.Support;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Serialization;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Client.Tests;

public sealed class TrainingClientTests(LocalClusterFixture cluster)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SubmitAsync_TinyJob_WatchYieldsEachChangeUntilCompleted()
    {
        var job = await cluster.Client.SubmitAsync(TestJobs.Tiny(epochs: 3), cancellationToken: Token);

        var seen = new List<JobProgress>();
        await foreach (var progress in job.WatchAsync(TimeSpan.FromMilliseconds(5), Token)) seen.Add(progress);

        Assert.Equal(32, job.JobId.Length);
        Assert.True(seen[^1].IsFinished);
        Assert.Equal(JobState.Completed, seen[^1].State);
        Assert.Equal(seen[^1].TotalSteps, seen[^1].Step);
        Assert.All(seen.Zip(seen.Skip(1)), p => Assert.True(p.Second.Step >= p.First.Step));
        Assert.Equal(seen.Count, seen.Select(p => (p.State, p.Step, p.Epoch, p.Status.Events.Length, p.Status.EpochHistory.Length)).Distinct().Count());
        // Every event shows up exactly once across the watch.
        Assert.Equal(seen[^1].Status.Events, seen.SelectMany(p => p.NewEvents));
        Assert.Equal(3, seen[^1].Status.EpochHistory.Length);
        Assert.Contains(seen, p => p.Workers.Count == 2 && p.Workers.All(w => w.Samples > 0 && w.ComputeMilliseconds > 0));
        Assert.Contains(seen, p => p.Loss is not null && p.Accuracy is not null && p.SamplesPerSecond > 0);
    }

    [Fact]
    public async Task WaitAsync_Completed_ReturnsTheFinalStatus()
    {
        var job = await cluster.Client.SubmitAsync(TestJobs.Tiny(), cancellationToken: Token);

        var status = await job.WaitAsync(TimeSpan.FromMilliseconds(10), Token);

        Assert.Equal(JobState.Completed, status.State);
        var again = await job.GetStatusAsync(Token);
        Assert.Equal((status.State, status.Step, status.Events.Length), (again.State, again.Step, again.Events.Length));
    }

    [Fact]
    public async Task CancelAsync_MidRun_StopsTheJobBeforeItsLastStep()
    {
        var job = await cluster.Client.SubmitAsync(TestJobs.Slow(readDelayMs: 20, epochs: 100), cancellationToken: Token);
        await foreach (var progress in job.WatchAsync(TimeSpan.FromMilliseconds(10), Token))
        {
            if (progress.Step >= 3) break;
        }

        await job.CancelAsync("enough", Token);
        var status = await job.WaitAsync(TimeSpan.FromMilliseconds(10), Token);

        Assert.Equal(JobState.Cancelled, status.State);
        Assert.InRange(status.Step, 3, status.TotalSteps - 1);
        Assert.Contains(status.Events, e => e.Message.Contains("enough", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DownloadModelAsync_Completed_WritesSafetensorsThatTheEngineReadsBackEqualToTheStateDict()
    {
        var job = await cluster.Client.SubmitAsync(TestJobs.Tiny(), cancellationToken: Token);
        await job.WaitAsync(TimeSpan.FromMilliseconds(10), Token);
        string path = Path.Combine(Path.GetTempPath(), $"client-{job.JobId}.safetensors");

        try
        {
            var layout = await job.DownloadModelAsync(path, Token);
            var (tensors, metadata) = TensorSafetensors.LoadWithMetadata(path);
            var expected = await cluster.Client.Grains.GetGrain<ITrainingJobGrain>(job.JobId).DownloadStateDictAsync();

            Assert.Equal(expected.Select(e => e.Name).Order(), tensors.Keys.Order());
            foreach (var entry in expected)
            {
                Assert.Equal(entry.Shape, tensors[entry.Name].Shape);
                Assert.Equal(entry.Values, tensors[entry.Name].ToArray());
            }

            Assert.Equal("pt", metadata["format"]);
            Assert.Equal(job.JobId, metadata["job"]);
            Assert.Equal(layout.Entries.Length, tensors.Count);
            Assert.False(File.Exists(path + ".partial"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task DownloadModelAsync_SmallChunks_WritesTheSameBytesAsOneRead()
    {
        var submitted = await cluster.Client.SubmitAsync(TestJobs.Tiny(), cancellationToken: Token);
        await submitted.WaitAsync(TimeSpan.FromMilliseconds(10), Token);
        var chunked = new JobHandle(submitted.JobId, cluster.Client.Grains.GetGrain<ITrainingJobGrain>(submitted.JobId)) { DownloadChunkFloats = 7 };
        string whole = Path.GetTempFileName(), pieces = Path.GetTempFileName();

        try
        {
            await submitted.DownloadModelAsync(whole, Token);
            await chunked.DownloadModelAsync(pieces, Token);

            Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(pieces));
        }
        finally
        {
            File.Delete(whole);
            File.Delete(pieces);
        }
    }

    [Fact]
    public async Task DownloadModelAsync_Running_ThrowsAndWritesNothing()
    {
        var job = await cluster.Client.SubmitAsync(TestJobs.Slow(readDelayMs: 20, epochs: 100), cancellationToken: Token);
        string path = Path.Combine(Path.GetTempPath(), $"client-{job.JobId}.safetensors");

        try
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => job.DownloadModelAsync(path, Token));

            Assert.Contains("readable once it has ended", error.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(path));
        }
        finally
        {
            await job.CancelAsync(cancellationToken: Token);
        }
    }

    [Fact]
    public async Task GetJobAsync_FromASecondClient_ReconnectsToTheRunningJob()
    {
        var job = await cluster.Client.SubmitAsync(TestJobs.Slow(readDelayMs: 10, epochs: 3), cancellationToken: Token);

        JobStatus final;
        await using (var second = await TrainingClient.ConnectAsync(cluster.Connection, Token))
        {
            var again = await second.GetJobAsync(job.JobId, Token);
            var first = await again.GetStatusAsync(Token);
            final = await again.WaitAsync(TimeSpan.FromMilliseconds(10), Token);

            Assert.Equal(job.JobId, again.JobId);
            Assert.True(first.State is JobState.Starting or JobState.Running or JobState.Completed);
        }

        Assert.Equal(JobState.Completed, final.State);
        Assert.Equal(final.Step, (await job.GetStatusAsync(Token)).Step);
    }

    [Fact]
    public async Task UploadDatasetAsync_LabelledSamples_TrainsOnThemAndEvaluatesTheTestSplit()
    {
        var random = new Random(5);
        float[] Inputs(int n) => Enumerable.Range(0, n * 6).Select(i => (float)random.NextDouble() + (i / 6 % 3)).ToArray();
        long[] Labels(int n) => Enumerable.Range(0, n).Select(i => (long)(i % 3)).ToArray();

        var dataset = await cluster.Client.UploadDatasetAsync([6], Inputs(48), Labels(48), classes: 3, testInputs: Inputs(12), testLabels: Labels(12), cancellationToken: Token);
        var job = await cluster.Client.SubmitAsync(TestJobs.Tiny() with { Dataset = dataset }, cancellationToken: Token);
        var status = await job.WaitAsync(TimeSpan.FromMilliseconds(10), Token);

        Assert.Equal(DatasetSpec.InMemory, dataset.Kind);
        Assert.Equal(JobState.Completed, status.State);
        Assert.Equal(2 * 4, status.TotalSteps);
        Assert.NotNull(status.TestAccuracy);
    }

    [Fact]
    public async Task ConnectAsync_OrleansClientConfiguration_ReachesTheClusterItNames()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Orleans:Clustering:ProviderType"] = "Static",
            ["Orleans:ClusterId"] = "dev",
            ["Orleans:ServiceId"] = "dev",
        };
        for (int i = 0; i < cluster.Cluster.GatewayEndpoints.Count; i++)
            settings[$"Orleans:Clustering:Gateways:{i}"] = cluster.Cluster.GatewayEndpoints[i].ToString();
        var job = await cluster.Client.SubmitAsync(TestJobs.Tiny(epochs: 1), cancellationToken: Token);

        await using var configured = await TrainingClient.ConnectAsync(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), Token);
        var again = await configured.GetJobAsync(job.JobId, Token);

        Assert.Equal(job.JobId, again.JobId);
        Assert.Contains(await configured.ListJobsAsync(Token), j => j.JobId == job.JobId);
    }

    [Fact]
    public async Task GetJobAsync_UnknownId_ThrowsJobNotFound()
    {
        string id = TrainingClient.NewJobId();

        var error = await Assert.ThrowsAsync<JobNotFoundException>(() => cluster.Client.GetJobAsync(id, Token));

        Assert.Equal(id, error.JobId);
        Assert.Contains(id, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_ShapeMismatch_ThrowsJobSpecExceptionWithTheClustersField()
    {
        var spec = TestJobs.Tiny() with { Model = ModelSpec.Sequential(LayerSpec.Linear(6, 8), LayerSpec.Tanh(), LayerSpec.Linear(5, 3)) };

        var error = await Assert.ThrowsAsync<JobSpecException>(() => cluster.Client.SubmitAsync(spec, cancellationToken: Token));

        Assert.Equal("model.layers[2]", error.Field);
        Assert.Contains("expects input [*, 5] but gets [2, 8]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListJobsAsync_ShowsJobsSubmittedByAnyClient()
    {
        var mine = await cluster.Client.SubmitAsync(TestJobs.Tiny(epochs: 1), cancellationToken: Token);
        await using var other = await TrainingClient.ConnectAsync(cluster.Connection, Token);
        var theirs = await other.SubmitAsync(TestJobs.Tiny(epochs: 1), cancellationToken: Token);
        await theirs.WaitAsync(TimeSpan.FromMilliseconds(10), Token);

        var jobs = await cluster.Client.ListJobsAsync(Token);

        var listed = jobs.Single(j => j.JobId == theirs.JobId);
        Assert.Contains(jobs, j => j.JobId == mine.JobId);
        Assert.Equal(JobState.Completed, listed.State);
        Assert.Equal(listed.TotalSteps, listed.Step);
        Assert.Contains("synthetic", listed.Description, StringComparison.Ordinal);
        Assert.True(jobs.ToList().FindIndex(j => j.JobId == mine.JobId) < jobs.ToList().FindIndex(j => j.JobId == theirs.JobId), "oldest first");
    }

    [Fact]
    public async Task ConnectAsync_NoGatewayListening_ThrowsClusterConnectionExceptionNamingTheEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var connection = ClusterConnection.Parse($"127.0.0.1:{port}") with { ConnectTimeout = TimeSpan.FromSeconds(2) };

        var error = await Assert.ThrowsAsync<ClusterConnectionException>(() => TrainingClient.ConnectAsync(connection, Token));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }
}
