namespace Autograd.Graph;

/// <summary>Records nodes as ops run: the one place that decides whether an op's output needs a gradient.</summary>
internal static class GraphRecorder
{
    /// <summary>True when grad mode is on and any input requires a gradient.</summary>
    public static bool NeedsGrad(Tensor a) => a.RequiresGrad && GradMode.IsEnabled;

    public static bool NeedsGrad(ReadOnlySpan<Tensor> inputs)
    {
        if (!GradMode.IsEnabled) return false;
        foreach (var t in inputs)
            if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>
    /// Attaches a node to <paramref name="output"/> if any input requires a gradient. The rule gets the gradient of
    /// the output and returns one gradient per input (null where the input needs none), each of the input's shape.
    /// </summary>
    public static Tensor Record(Tensor output, string name, Tensor[] inputs, Tensor[] saved, Func<Tensor, Tensor?[]> backward)
    {
        if (!NeedsGrad(inputs)) return output;
        var edges = new Edge[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            if (!input.RequiresGrad) continue;
            edges[i] = input.GradFn is { } fn ? new Edge(fn, null) : new Edge(null, input);
        }

        var savedTensors = new SavedTensor[saved.Length];
        for (int i = 0; i < saved.Length; i++) savedTensors[i] = new SavedTensor(saved[i]);
        output.GradFn = new Node(name, edges, savedTensors, backward, new SavedTensor(output, isOutput: true));
        output.MarkRequiresGradFromGraph();
        return output;
    }
}
