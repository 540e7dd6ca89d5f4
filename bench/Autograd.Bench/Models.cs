using Autograd.NN;

namespace Autograd.Bench;

/// <summary>The two reference networks of ../shared/reference/torch_fmnist.py, layer for layer.</summary>
internal static class Models
{
    public static Sequential Mlp() => new(
        new Flatten(),
        new Linear(784, 256),
        new ReLU(),
        new Linear(256, 128),
        new ReLU(),
        new Linear(128, 10));

    public static Sequential Cnn() => new(
        new Conv2d(1, 32, 3),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(32, 64, 3),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(1600, 128),
        new ReLU(),
        new Linear(128, 10));
}
