namespace Autograd.Optim;

/// <summary>
/// Adam (Kingma and Ba, 2015), as PyTorch's <c>torch.optim.Adam</c>: L2 weight decay is added to the gradient
/// (coupled; see <see cref="AdamW"/> for the decoupled form); m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
/// p -= lr / (1 - b1^t) * m / (sqrt(v') / sqrt(1 - b2^t) + eps) with v' = v, or its running maximum with amsgrad.
/// Float hyper-parameters are read as the decimals they print as (1e-3f is 0.001), as PyTorch's Python floats.
/// </summary>
public sealed class Adam : Optimizer
{
    public Adam(IEnumerable<Tensor> parameters, float lr = 1e-3f, (float Beta1, float Beta2)? betas = null, float eps = 1e-8f, float weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(parameters, AdamUpdate.Defaults(lr, betas, eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <summary>Several parameter groups; options a group lacks come from the arguments.</summary>
    public Adam(IEnumerable<ParamGroup> paramGroups, float lr = 1e-3f, (float Beta1, float Beta2)? betas = null, float eps = 1e-8f, float weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(paramGroups, AdamUpdate.Defaults(lr, betas, eps, weightDecay, amsgrad, maximize))
    {
    }

    protected override void ValidateGroup(ParamGroup group) => AdamUpdate.Validate(group, "Adam");

    protected override void StepGroup(ParamGroup group) => AdamUpdate.Step(group, decoupled: false, GetState, CheckUpdatable);
}
