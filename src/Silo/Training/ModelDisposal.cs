using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>Returns a model's parameters, gradients and buffers to the engine's pools when a grain lets the model go.</summary>
public static class ModelDisposal
{
    public static void Release(Module? model)
    {
        if (model is null) return;
        foreach (var p in model.Parameters().ToList())
        {
            var grad = p.Grad;
            p.Grad = null;
            grad?.Dispose();
            p.Dispose();
        }

        foreach (var b in model.Buffers().ToList()) b.Dispose();
    }

    /// <summary>Drops every parameter's gradient (PyTorch's <c>zero_grad(set_to_none=True)</c>), returning it to the pool.</summary>
    public static void ClearGradients(Module model)
    {
        foreach (var p in model.Parameters())
        {
            var grad = p.Grad;
            p.Grad = null;
            grad?.Dispose();
        }
    }
}
