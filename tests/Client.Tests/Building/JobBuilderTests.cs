using Autograd.Cluster.Client.Building;
using Autograd.Cluster.Client.Serialization;
using Autograd.Cluster.Client.Tests.Support;
using Autograd.Cluster.Contracts.Specs;
using Xunit;

namespace Autograd.Cluster.Client.Tests.Building;

public sealed class JobBuilderTests
{
    [Fact]
    public void Build_ReferenceMlp_EqualsTheExampleJobFile()
    {
        var built = new JobBuilder()
            .Model(Nn.Flatten(), Nn.Linear(784, 256), Nn.ReLU(), Nn.Linear(256, 128), Nn.ReLU(), Nn.Linear(128, 10))
            .Data(Datasets.FashionMnist())
            .Loss(Nn.CrossEntropyLoss())
            .Optimizer(Optimizers.Adam(lr: 1e-3))
            .BatchSize(128).Epochs(5).Workers(2).Seed(0)
            .Build();

        var file = JobJson.Load(Path.Combine(TestJobs.Examples, "fashion-mnist-mlp.json"));

        // The builder writes every Linear argument (bias too) and Adam's weight decay: compare what a worker builds.
        Assert.Equal(file.Model.Layers.Select(l => l.Type), built.Model.Layers.Select(l => l.Type));
        Assert.All(file.Model.Layers.Zip(built.Model.Layers), pair => Assert.All(pair.First.Args, a => Assert.Equal(a.Value, pair.Second.Args[a.Key])));
        Assert.Equal(file.Dataset, built.Dataset);
        Assert.Equal(file.Loss, built.Loss);
        Assert.Equal(file.Optimizer with { WeightDecay = 0 }, built.Optimizer);
        Assert.Equal((file.BatchSize, file.Epochs, file.Workers, file.Seed), (built.BatchSize, built.Epochs, built.Workers, built.Seed));
    }

    [Fact]
    public void Build_SchedulesAndOptions_SetTheirFields()
    {
        var spec = new JobBuilder(new JobSpec { Epochs = 7 })
            .LrScheduler(LrSchedulers.StepLR(stepSize: 2, gamma: 0.5))
            .Optimizer(Optimizers.SGD(lr: 0.05, momentum: 0.9, nesterov: true))
            .Shuffle(false, dropLast: true)
            .Shards(3)
            .CheckpointInterval(10)
            .StepTimeout(TimeSpan.FromSeconds(5))
            .Build();

        Assert.Equal(7, spec.Epochs);
        Assert.Equal(new LrScheduleSpec { Kind = LrScheduleSpec.Step, StepSize = 2, Gamma = 0.5 }, spec.LrSchedule);
        Assert.Equal((OptimizerSpec.Sgd, 0.05, 0.9, true), (spec.Optimizer.Kind, spec.Optimizer.Lr, spec.Optimizer.Momentum, spec.Optimizer.Nesterov));
        Assert.Equal((false, true, 3, 10, TimeSpan.FromSeconds(5)), (spec.Shuffle, spec.DropLast, spec.Shards, spec.CheckpointInterval, spec.StepTimeout));
    }
}
