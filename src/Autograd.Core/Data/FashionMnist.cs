namespace Autograd.Data;

/// <summary>
/// Fashion-MNIST as a <see cref="TensorDataset"/> of (images [N, 1, 28, 28] float32 in [0, 1], labels [N] int64),
/// read from Debian's <c>dataset-fashion-mnist</c> folder, <c>AUTOGRAD_FASHION_MNIST_DIR</c>, or a given folder.
/// </summary>
public static class FashionMnist
{
    /// <summary>The ten class names, by label.</summary>
    public static readonly IReadOnlyList<string> Classes =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static TensorDataset Load(bool train = true, string? directory = null)
    {
        var data = FashionMnistFiles.Load(train ? FashionMnistSplit.Train : FashionMnistSplit.Test, directory);
        var images = Tensor.From(data.Images, data.ImageShape);
        var labels = Tensor.From(data.Labels, [data.Count]);
        return new TensorDataset(images, labels);
    }
}
