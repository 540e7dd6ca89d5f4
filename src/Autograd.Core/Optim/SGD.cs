using Autograd.Backends;

namespace Autograd.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, L2 weight decay and
/// maximisation, as PyTorch's <c>torch.optim.SGD</c>:
/// d = g (negated when maximising) + weight_decay * p; with momentum, buf = d on the first step, then
/// buf = momentum * buf + (1 - dampening) * d, and d = nesterov ? d + momentum * buf : buf; p -= lr * d.
/// Float hyper-parameters are read as the decimals they print as (0.01f is 0.01), as PyTorch's Python floats.
/// </summary>
public sealed class SGD : Optimizer
{
    public SGD(IEnumerable<Tensor> parameters, float lr, float momentum = 0, float dampening = 0, float weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(parameters, MakeDefaults(lr, momentum, dampening, weightDecay, nesterov, maximize))
    {
    }

    /// <summary>Several parameter groups; options a group lacks come from the arguments.</summary>
    public SGD(IEnumerable<ParamGroup> paramGroups, float lr, float momentum = 0, float dampening = 0, float weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(paramGroups, MakeDefaults(lr, momentum, dampening, weightDecay, nesterov, maximize))
    {
    }

    protected override void ValidateGroup(ParamGroup group)
    {
        HyperParameters.NonNegative(group.Lr, "lr", "SGD", "learning rate");
        double momentum = group.GetDouble("momentum"), dampening = group.GetDouble("dampening");
        HyperParameters.NonNegative(momentum, "momentum", "SGD", "momentum value");
        HyperParameters.NonNegative(group.GetDouble("weight_decay"), "weightDecay", "SGD", "weight_decay value");
        if (!double.IsFinite(dampening)) throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "SGD: invalid dampening value");
        if (group.GetBool("nesterov") && (momentum <= 0 || dampening != 0))
            throw new ArgumentException($"SGD: Nesterov momentum requires a momentum and zero dampening (momentum={momentum}, dampening={dampening})", "nesterov");
        group.GetBool("maximize");
    }

    protected override void StepGroup(ParamGroup group)
    {
        double momentum = group.GetDouble("momentum");
        foreach (var p in group.Params)
        {
            if (p.Grad is not { } grad) continue;
            CheckUpdatable(p, grad);
            Tensor? buffer = null;
            bool firstStep = false;
            if (momentum != 0)
            {
                var state = GetState(p);
                buffer = state.Get("momentum_buffer");
                if (buffer is null)
                {
                    // The kernel writes buf = d on the first step, so uninitialised storage is fine.
                    buffer = Tensor.EmptyLike(p);
                    state.Set("momentum_buffer", buffer);
                    firstStep = true;
                }
            }

            var hyper = new SgdParameters(group.Lr, momentum, group.GetDouble("dampening"), group.GetDouble("weight_decay"), group.GetBool("nesterov"), firstStep, group.GetBool("maximize"));
            p.Backend.SgdStep(p.Storage, grad.Storage, buffer?.Storage, hyper);
            p.Storage.BumpVersion();
            buffer?.Storage.BumpVersion();
        }
    }

    private static Dictionary<string, object> MakeDefaults(float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize) => new()
    {
        ["lr"] = HyperParameters.FromFloat(lr),
        ["momentum"] = HyperParameters.FromFloat(momentum),
        ["dampening"] = HyperParameters.FromFloat(dampening),
        ["weight_decay"] = HyperParameters.FromFloat(weightDecay),
        ["nesterov"] = nesterov,
        ["maximize"] = maximize,
    };
}
