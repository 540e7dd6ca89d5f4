namespace Autograd.NN;

/// <summary>
/// Marks a <see cref="Tensor"/> field (or auto-property) of a <see cref="Module"/> as a buffer: state that is saved
/// in the state dict and moved by <see cref="Module.To(Device)"/> but is not a parameter (PyTorch's
/// <c>register_buffer</c>), such as BatchNorm's running statistics.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true, AllowMultiple = false)]
public sealed class BufferAttribute : Attribute
{
    /// <summary>Marks a buffer named after its field.</summary>
    public BufferAttribute()
    {
    }

    /// <summary>Marks a buffer with an explicit state-dict name (e.g. <c>"running_mean"</c>).</summary>
    public BufferAttribute(string name) => Name = name;

    /// <summary>The state-dict name; null derives it from the field name.</summary>
    public string? Name { get; }

    /// <summary>False keeps the buffer out of the state dict (PyTorch's <c>persistent=False</c>).</summary>
    public bool Persistent { get; init; } = true;
}
