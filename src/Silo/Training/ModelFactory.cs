using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>Builds a <see cref="ModelSpec"/> as an engine <see cref="Sequential"/> and checks that its layers fit together.</summary>
public static class ModelFactory
{
    /// <summary>
    /// The model with the parameters a single process gets from <c>Tensor.ManualSeed(seed)</c> followed by building
    /// the same layers: the default generator is seeded and drawn from under <see cref="SeededConstruction"/>'s lock,
    /// so concurrent jobs in one silo do not interleave their draws.
    /// </summary>
    public static Sequential BuildSeeded(ModelSpec? spec, long seed, Generator dropout)
    {
        lock (SeededConstruction.Gate)
        {
            Tensor.ManualSeed(seed);
            return Build(spec, dropout);
        }
    }

    /// <summary>The model with whatever parameters the default generator gives (callers overwrite them).</summary>
    public static Sequential Build(ModelSpec? spec, Generator dropout)
    {
        if (spec?.Layers is not { Length: > 0 } layers) throw new JobSpecException("model.layers", "a model needs at least one layer");
        var model = new Sequential();
        lock (SeededConstruction.Gate)
        {
            for (int i = 0; i < layers.Length; i++) model.Add(LayerFactory.Create(layers[i], i, dropout));
        }

        return model;
    }

    /// <summary>
    /// Runs <paramref name="model"/> in eval mode, without a graph, on a zero batch of two samples of
    /// <paramref name="sampleShape"/>, layer by layer; a layer that refuses its input is reported with its index, the
    /// input it expects and the shape it got. Returns the output's shape.
    /// </summary>
    public static int[] CheckShapes(Sequential model, ModelSpec spec, int[] sampleShape)
    {
        bool training = model.Training;
        model.Eval();
        try
        {
            using var scope = new TensorScope();
            using var noGrad = Tensor.NoGrad();
            var x = Tensor.Zeros([2, .. sampleShape], DType.Float32);
            int index = 0;
            foreach (var layer in model)
            {
                var input = x.Shape;
                try
                {
                    x = layer.Forward(x);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    string source = index == 0 ? "a batch of the dataset" : $"the output of layer {index - 1}";
                    throw new JobSpecException(
                        $"model.layers[{index}]",
                        $"{spec.Layers[index].Type} expects input {ExpectedInput(layer)} but gets {Shape(input)} ({source}): {e.Message}");
                }

                index++;
            }

            return x.Shape;
        }
        finally
        {
            model.Train(training);
        }
    }

    private static string ExpectedInput(Module layer) => layer switch
    {
        Linear l => $"[*, {l.InFeatures}]",
        Conv2d c => $"[N, {c.InChannels}, H, W] with H, W large enough for kernel {c.KernelSize}",
        BatchNorm1d b => $"[N, {b.NumFeatures}] or [N, {b.NumFeatures}, L]",
        BatchNorm2d b => $"[N, {b.NumFeatures}, H, W]",
        LayerNorm l => $"[*, {string.Join(", ", l.NormalizedShape)}]",
        MaxPool2d p => $"[N, C, H, W] with H, W at least kernel {p.KernelSize}",
        AvgPool2d p => $"[N, C, H, W] with H, W at least kernel {p.KernelSize}",
        _ => "of another shape",
    };

    private static string Shape(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
