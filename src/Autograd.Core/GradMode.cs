namespace Autograd;

/// <summary>Whether ops record the autograd graph on the current async flow (torch.is_grad_enabled).</summary>
public static class GradMode
{
    private static readonly AsyncLocal<bool> Disabled = new();

    public static bool IsEnabled => !Disabled.Value;

    /// <summary>Turns recording on or off until the returned guard is disposed.</summary>
    public static GradModeGuard Set(bool enabled)
    {
        bool previous = IsEnabled;
        Disabled.Value = !enabled;
        return new GradModeGuard(previous);
    }
}

/// <summary>Restores the previous grad mode when disposed (returned by <see cref="Tensor.NoGrad"/>).</summary>
public readonly struct GradModeGuard : IDisposable
{
    private readonly bool _previous;

    internal GradModeGuard(bool previous) => _previous = previous;

    public void Dispose() => GradMode.Set(_previous);
}
