using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Client.Building;

/// <summary>
/// Layers and losses by PyTorch's <c>torch.nn</c> names, for <see cref="JobBuilder"/>:
/// <c>Nn.Linear(784, 256)</c>, <c>Nn.ReLU()</c>, <c>Nn.Conv2d(1, 32, kernelSize: 3)</c>, <c>Nn.CrossEntropyLoss()</c>.
/// </summary>
public static class Nn
{
    public static LayerSpec Linear(int inFeatures, int outFeatures, bool bias = true) => LayerSpec.Linear(inFeatures, outFeatures, bias);

    public static LayerSpec Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0) =>
        LayerSpec.Conv2d(inChannels, outChannels, kernelSize, stride, padding);

    public static LayerSpec MaxPool2d(int kernelSize) => LayerSpec.MaxPool2d(kernelSize);

    public static LayerSpec AvgPool2d(int kernelSize) => LayerSpec.Of("AvgPool2d", ("kernelSize", kernelSize));

    public static LayerSpec Flatten() => LayerSpec.Flatten();

    public static LayerSpec ReLU() => LayerSpec.ReLU();

    public static LayerSpec LeakyReLU(double negativeSlope = 0.01) => LayerSpec.Of("LeakyReLU", ("negativeSlope", negativeSlope));

    public static LayerSpec Tanh() => LayerSpec.Tanh();

    public static LayerSpec Sigmoid() => LayerSpec.Sigmoid();

    public static LayerSpec GELU() => LayerSpec.GELU();

    public static LayerSpec Dropout(double p = 0.5) => LayerSpec.Dropout(p);

    public static LayerSpec LayerNorm(int normalizedShape) => LayerSpec.LayerNorm(normalizedShape);

    public static LayerSpec BatchNorm1d(int numFeatures) => LayerSpec.BatchNorm1d(numFeatures);

    public static LayerSpec BatchNorm2d(int numFeatures) => LayerSpec.BatchNorm2d(numFeatures);

    /// <summary><c>nn.MSELoss()</c>: the job's loss name.</summary>
    public static string MSELoss() => LossNames.Mse;

    /// <summary><c>nn.CrossEntropyLoss()</c>: the job's loss name.</summary>
    public static string CrossEntropyLoss() => LossNames.CrossEntropy;

    /// <summary><c>nn.BCEWithLogitsLoss()</c>: the job's loss name.</summary>
    public static string BCEWithLogitsLoss() => LossNames.BceWithLogits;
}
