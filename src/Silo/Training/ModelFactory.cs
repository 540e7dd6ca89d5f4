using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>Builds a <see cref="ModelSpec"/> as an engine <see cref="Sequential"/> and checks that its layers fit together.</summary>
public static class ModelFactory
{
    /// <summary>The most parameters a model may have: 256 Mi (1 GiB of floats, before gradients and optimizer state).</summary>
    public const long MaxParameters = 256L * 1024 * 1024;

    /// <summary>The most values one layer may produce for the shape check's batch of two (256 MiB of floats; half as much again for its batch of three).</summary>
    public const long MaxActivationValues = 64L * 1024 * 1024;

    /// <summary>
    /// The model with the parameters a single process gets from <c>Tensor.ManualSeed(seed)</c> followed by building
    /// the same layers: the default generator is seeded and drawn from under <see cref="SeededConstruction"/>'s lock,
    /// so concurrent jobs in one silo do not interleave their draws.
    /// </summary>
    public static Sequential BuildSeeded(ModelSpec? spec, long seed, Generator dropout, ModelRegistry? models = null, long maxParameters = MaxParameters)
    {
        lock (SeededConstruction.Gate)
        {
            Tensor.ManualSeed(seed);
            return Build(spec, dropout, models, maxParameters);
        }
    }

    /// <summary>
    /// The model with whatever parameters the default generator gives (callers overwrite them). Layer types that are
    /// not built in are looked up in <paramref name="models"/> (the silo's registered models).
    /// The model may have at most <paramref name="maxParameters"/> parameters (<see cref="Hosting.TrainingLimits.MaxParametersPerJob"/>,
    /// at most <see cref="MaxParameters"/>): built-in layers are checked against what is left before they are allocated.
    /// </summary>
    public static Sequential Build(ModelSpec? spec, Generator dropout, ModelRegistry? models = null, long maxParameters = MaxParameters)
    {
        if (spec?.Layers is not { Length: > 0 } layers) throw new JobSpecException("model.layers", "a model needs at least one layer");
        var model = new Sequential();
        lock (SeededConstruction.Gate)
        {
            try
            {
                long parameters = 0, limit = Math.Min(maxParameters, MaxParameters);
            for (int i = 0; i < layers.Length; i++)
            {
                var layer = LayerFactory.Create(layers[i], i, dropout, models, Math.Min(LayerFactory.MaxLayerWeights, limit - parameters));
                model.Add(layer);
                parameters += layer.NumParameters;
                if (parameters > limit)
                    throw new JobSpecException("model", $"the model reaches {parameters} parameters at layer {i}, more than the {limit} a job may train ({Hosting.TrainingLimits.MaxParametersPerJobKey})");
            }
            }
            catch
            {
                ModelDisposal.Release(model);
                throw;
            }
        }

        return model;
    }

    /// <summary>
    /// Runs <paramref name="model"/> in eval mode, without a graph, on a zero batch of two samples of
    /// <paramref name="sampleShape"/>, layer by layer, then on a batch of three; a layer that refuses its input is
    /// reported with its index, the input it expects and the shape it got. The second batch catches a layer that takes
    /// the batch dimension for one of its own (a LayerNorm over [2, 2] accepts a batch of two samples of 2 features):
    /// training and evaluation batches come in every size. Returns the output's shape for the batch of two.
    /// </summary>
    public static int[] CheckShapes(Sequential model, ModelSpec spec, int[] sampleShape)
    {
        var output = Run(model, spec, sampleShape, batch: 2);
        Run(model, spec, sampleShape, batch: 3);
        return output;
    }

    private static int[] Run(Sequential model, ModelSpec spec, int[] sampleShape, int batch)
    {
        bool training = model.Training;
        model.Eval();
        try
        {
            using var scope = new TensorScope();
            using var noGrad = Tensor.NoGrad();
            var x = Tensor.Zeros([batch, .. sampleShape], DType.Float32);
            // The limit is for the batch of two; the batch of three may take half as much again.
            long limit = MaxActivationValues * batch / 2;
            int index = 0;
            foreach (var layer in model)
            {
                var input = x.Shape;
                if (OutputValues(layer, input) is var produced && produced > limit)
                {
                    throw new JobSpecException(
                        $"model.layers[{index}]",
                        $"{spec.Layers[index].Type} would produce {produced} values from {Shape(input)}, more than the {limit} one layer may for a batch of {batch}");
                }

                try
                {
                    x = layer.Forward(x);
                }
                catch (Exception e) when (e is not (JobSpecException or OutOfMemoryException))
                {
                    // Any failure, not only the engine's shape errors: a registered model's forward is the silo owner's code.
                    string source = index == 0 ? "a batch of the dataset" : $"the output of layer {index - 1}";
                    string batches = batch == 2 ? string.Empty : $"; with a batch of {batch}, where a batch of 2 passed";
                    throw new JobSpecException(
                        $"model.layers[{index}]",
                        $"{spec.Layers[index].Type} expects input {ExpectedInput(layer)} but gets {Shape(input)} ({source}{batches}): {e.Message}");
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

    /// <summary>
    /// The values a layer that can grow its input would produce from <paramref name="input"/>, computed before running
    /// it (0 when the layer does not grow it or the input does not fit it, which the layer itself then reports).
    /// </summary>
    private static long OutputValues(Module layer, int[] input)
    {
        switch (layer)
        {
            case Linear l when input.Length > 0 && input[^1] == l.InFeatures:
                return input[..^1].Aggregate(1L, (a, d) => a * d) * l.OutFeatures;
            case Conv2d c when input.Length == 4 && input[1] == c.InChannels:
                long h = ((input[2] + (2L * c.Padding.H) - (c.Dilation.H * (c.KernelSize.H - 1L)) - 1) / c.Stride.H) + 1;
                long w = ((input[3] + (2L * c.Padding.W) - (c.Dilation.W * (c.KernelSize.W - 1L)) - 1) / c.Stride.W) + 1;
                return h > 0 && w > 0 ? input[0] * (long)c.OutChannels * h * w : 0;
            default:
                return 0;
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
