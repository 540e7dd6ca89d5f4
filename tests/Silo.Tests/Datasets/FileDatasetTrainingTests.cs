using System.Globalization;
using System.Text;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Tests.Grains;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Datasets;

/// <summary>Jobs on file datasets: every silo reads the files itself, and the job equals one process on the same data.</summary>
public sealed class FileDatasetTrainingTests(ClusterFixture cluster) : IDisposable
{
    private readonly TempDataFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Job_OnACsvFile_ThreeWorkersMatchOneProcess()
    {
        var (inputs, labels) = SyntheticDatasets.Blobs(60, 6, 3, 0.5, seed: 11);
        var csv = new StringBuilder("f0,f1,f2,label,f3,f4,f5\n");
        for (int s = 0; s < labels.Length; s++)
        {
            var row = inputs.AsSpan(s * 6, 6).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToList();
            row.Insert(3, labels[s].ToString(CultureInfo.InvariantCulture));
            csv.AppendLine(string.Join(",", row));
        }

        var spec = Specs.Mlp(workers: ClusterFixture.Silos, batchSize: 12, epochs: 2) with
        {
            Dataset = DatasetSpec.CsvFile(_folder.Csv("blobs.csv", csv.ToString()), new CsvDataSpec { TargetColumns = ["label"] }),
        };

        await AssertJobMatchesOneProcessAsync(spec);
    }

    [Fact]
    public async Task Job_OnGzippedIdxFiles_ThreeWorkersMatchOneProcess()
    {
        var pixels = new byte[40 * 8 * 8];
        var labels = new byte[40];
        var (inputs, classes) = SyntheticDatasets.Blobs(40, 64, 3, 0.5, seed: 11);
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)Math.Clamp(128 + (inputs[i] * 40), 0, 255);
        for (int i = 0; i < labels.Length; i++) labels[i] = (byte)classes[i];
        var spec = Specs.Cnn(workers: ClusterFixture.Silos, batchSize: 12) with
        {
            Dataset = DatasetSpec.IdxFiles(_folder.IdxBytes("x.gz", [40, 1, 8, 8], pixels, gzip: true), _folder.IdxBytes("y.gz", [40], labels, gzip: true)),
        };

        await AssertJobMatchesOneProcessAsync(spec);
    }

    private async Task AssertJobMatchesOneProcessAsync(JobSpec spec)
    {
        var expected = ReferenceTraining.Run(spec);

        var job = cluster.Grains.GetGrain<ITrainingJobGrain>(JobRunner.NewJobId());
        await job.SubmitAsync(spec);
        var status = await JobRunner.WaitAsync(job);

        Assert.True(status.State == JobState.Completed, JobRunner.Describe(status));
        Assert.Equal(ClusterFixture.Silos, status.Workers.Select(w => w.Silo).Distinct().Count());
        var actual = (await job.DownloadStateDictAsync()).ToDictionary(e => e.Name, e => e.Values);
        foreach (var (name, values) in expected)
            for (int i = 0; i < values.Length; i++)
                Assert.True(Math.Abs(actual[name][i] - values[i]) <= 1e-6 + (1e-5 * Math.Abs(values[i])), $"{name}[{i}]: {actual[name][i]} vs {values[i]}");
    }
}
