using Autograd.Data;
using Autograd.NN;
using Autograd.Optim;
using Xunit;

namespace Autograd.Tests.EndToEnd;

/// <summary>
/// The engine learns a real task: the reference networks on a Fashion-MNIST subset, with bounds on accuracy
/// (never on time). Skipped, visibly, where the dataset is not installed.
/// </summary>
public sealed class FashionMnistTrainingTests
{
    [Fact]
    public void Mlp_TwoEpochsOnTenThousandImages_ReachesSeventyFivePercent()
    {
        Assert.SkipUnless(FashionMnistFiles.IsAvailable(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        Tensor.ManualSeed(0);
        var model = new Sequential(new Flatten(), new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(), new Linear(128, 10));
        double accuracy = Train(model, trainSamples: 10_000, epochs: 2, testSamples: 2_000);
        Assert.True(accuracy >= 0.75, $"MLP test accuracy {accuracy:P1} is below 75%");
    }

    [Fact]
    public void Cnn_OneEpochOnThreeThousandImages_ReachesSixtyFivePercent()
    {
        Assert.SkipUnless(FashionMnistFiles.IsAvailable(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        Tensor.ManualSeed(0);
        var model = new Sequential(
            new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2),
            new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(1600, 128), new ReLU(), new Linear(128, 10));
        double accuracy = Train(model, trainSamples: 3_000, epochs: 1, testSamples: 1_000);
        Assert.True(accuracy >= 0.65, $"CNN test accuracy {accuracy:P1} is below 65%");
    }

    private static double Train(Module model, int trainSamples, int epochs, int testSamples)
    {
        var train = Subset.First(FashionMnist.Load(train: true), trainSamples);
        var test = Subset.First(FashionMnist.Load(train: false), testSamples);
        var optimizer = new Adam(model.Parameters(), lr: 1e-3f);
        var loader = new DataLoader(train, batchSize: 64, shuffle: true, generator: new Generator(0));
        double firstLoss = double.NaN, lastLoss = double.NaN;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.Train();
            foreach (var batch in loader)
            {
                using var scope = new TensorScope();
                foreach (var t in batch) scope.Adopt(t);
                var (x, y) = batch;
                optimizer.ZeroGrad();
                var loss = Functional.CrossEntropy(model.Forward(x), y);
                loss.Backward();
                optimizer.Step();
                lastLoss = loss.Item();
                if (double.IsNaN(firstLoss)) firstLoss = lastLoss;
            }
        }

        Assert.True(lastLoss < firstLoss, $"loss did not fall: first {firstLoss}, last {lastLoss}");
        model.Eval();
        using var noGrad = Tensor.NoGrad();
        long correct = 0;
        foreach (var (x, y) in new DataLoader(test, batchSize: 500))
        {
            using var scope = new TensorScope();
            correct += (long)model.Forward(x).Argmax(1).Eq(y).Sum().ItemDouble();
        }

        return correct / (double)test.Count;
    }
}
