using Autograd.Cluster.Client.Building;
using Autograd.Cluster.Client.Serialization;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Cli.Tests.Support;

/// <summary>Job files for the CLI tests, written into a fresh temporary folder.</summary>
internal sealed class JobFiles : IDisposable
{
    public JobFiles()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("autograd-cli-").FullName;
    }

    public string Directory { get; }

    /// <summary>A 6-8-3 MLP on 60 blob samples with a 40-sample test split, two workers, two epochs.</summary>
    public static JobSpec Tiny(int readDelayMs = 0, int epochs = 2) => new JobBuilder()
        .Model(Nn.Linear(6, 8), Nn.Tanh(), Nn.Linear(8, 3))
        .Data(DatasetSpec.Generated(new SyntheticDataSpec
        {
            Generator = SyntheticDataSpec.Blobs,
            Samples = 60,
            SampleShape = [6],
            Classes = 3,
            Noise = 0.8,
            Seed = 11,
            TestSamples = 40,
            ReadDelayMs = readDelayMs,
        }))
        .Loss(Nn.CrossEntropyLoss())
        .Optimizer(Optimizers.SGD(lr: 0.1, momentum: 0.9))
        .BatchSize(12).Epochs(epochs).Workers(2).Seed(3)
        .Build();

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    public string Write(string name, JobSpec spec)
    {
        string path = Path(name);
        JobJson.Save(spec, path);
        return path;
    }

    public string WriteText(string name, string text)
    {
        string path = Path(name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
