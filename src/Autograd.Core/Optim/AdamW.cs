namespace Autograd.Optim;

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019), as PyTorch's <c>torch.optim.AdamW</c>: Adam with decoupled weight decay,
/// p *= 1 - lr * weight_decay before the Adam update (default weight decay 1e-2).
/// Float hyper-parameters are read as the decimals they print as, as PyTorch's Python floats.
/// </summary>
public sealed class AdamW : Optimizer
{
    public AdamW(IEnumerable<Tensor> parameters, float lr = 1e-3f, (float Beta1, float Beta2)? betas = null, float eps = 1e-8f, float weightDecay = 1e-2f, bool amsgrad = false, bool maximize = false)
        : base(parameters, AdamUpdate.Defaults(lr, betas, eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <summary>Several parameter groups; options a group lacks come from the arguments.</summary>
    public AdamW(IEnumerable<ParamGroup> paramGroups, float lr = 1e-3f, (float Beta1, float Beta2)? betas = null, float eps = 1e-8f, float weightDecay = 1e-2f, bool amsgrad = false, bool maximize = false)
        : base(paramGroups, AdamUpdate.Defaults(lr, betas, eps, weightDecay, amsgrad, maximize))
    {
    }

    protected override void ValidateGroup(ParamGroup group) => AdamUpdate.Validate(group, "AdamW");

    protected override void StepGroup(ParamGroup group) => AdamUpdate.Step(group, decoupled: true, GetState, CheckUpdatable);
}
