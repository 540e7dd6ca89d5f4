namespace Autograd.NN;

/// <summary>How a loss combines its per-element values (PyTorch's <c>reduction=</c> argument).</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss value per element (or per sample, for class losses).</summary>
    None,

    /// <summary>The mean of the per-element losses.</summary>
    Mean,

    /// <summary>The sum of the per-element losses.</summary>
    Sum,
}
