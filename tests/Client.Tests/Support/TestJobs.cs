using Autograd.Cluster.Client.Building;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Client.Tests.Support;

/// <summary>Tiny jobs for the client tests.</summary>
internal static class TestJobs
{
    /// <summary>A 6-8-3 MLP on 60 blob samples (+ 30 test samples), two workers: finishes in well under a second.</summary>
    public static JobSpec Tiny(int epochs = 2, int workers = 2) => new JobBuilder()
        .Model(Nn.Linear(6, 8), Nn.Tanh(), Nn.Linear(8, 3))
        .Data(Datasets.Blobs(samples: 60, features: 6, classes: 3, noise: 0.5, seed: 11))
        .Loss(Nn.CrossEntropyLoss())
        .Optimizer(Optimizers.SGD(lr: 0.1, momentum: 0.9))
        .BatchSize(12).Epochs(epochs).Workers(workers).Seed(3)
        .Build();

    /// <summary>A job that takes a while: every batch read waits <paramref name="readDelayMs"/> ms, for cancel and watch tests.</summary>
    public static JobSpec Slow(int readDelayMs = 50, int epochs = 50)
    {
        var spec = Tiny(epochs);
        return spec with { Dataset = spec.Dataset with { SyntheticData = spec.Dataset.SyntheticData! with { ReadDelayMs = readDelayMs } } };
    }

    /// <summary>Where the repository's examples are copied beside the test assembly.</summary>
    public static string Examples => Path.Combine(AppContext.BaseDirectory, "examples");
}
