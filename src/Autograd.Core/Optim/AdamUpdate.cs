using Autograd.Backends;

namespace Autograd.Optim;

/// <summary>What <see cref="Adam"/> and <see cref="AdamW"/> share: options, their checks, and the fused step.</summary>
internal static class AdamUpdate
{
    public static Dictionary<string, object> Defaults(float lr, (float Beta1, float Beta2)? betas, float eps, float weightDecay, bool amsgrad, bool maximize)
    {
        var (b1, b2) = betas ?? (0.9f, 0.999f);
        return new()
        {
            ["lr"] = HyperParameters.FromFloat(lr),
            ["betas"] = (HyperParameters.FromFloat(b1), HyperParameters.FromFloat(b2)),
            ["eps"] = HyperParameters.FromFloat(eps),
            ["weight_decay"] = HyperParameters.FromFloat(weightDecay),
            ["amsgrad"] = amsgrad,
            ["maximize"] = maximize,
        };
    }

    public static (double Beta1, double Beta2) Betas(ParamGroup group) => group["betas"] switch
    {
        ValueTuple<double, double> d => d,
        ValueTuple<float, float> f => (HyperParameters.FromFloat(f.Item1), HyperParameters.FromFloat(f.Item2)),
        double[] { Length: 2 } a => (a[0], a[1]),
        var other => throw new InvalidOperationException($"parameter group option 'betas' is a {other.GetType().Name}, not a (double, double)"),
    };

    public static void Validate(ParamGroup group, string optimizer)
    {
        HyperParameters.NonNegative(group.Lr, "lr", optimizer, "learning rate");
        HyperParameters.NonNegative(group.GetDouble("eps"), "eps", optimizer, "epsilon value");
        var (b1, b2) = Betas(group);
        HyperParameters.Beta(b1, 0, optimizer);
        HyperParameters.Beta(b2, 1, optimizer);
        HyperParameters.NonNegative(group.GetDouble("weight_decay"), "weightDecay", optimizer, "weight_decay value");
        group.GetBool("amsgrad");
        group.GetBool("maximize");
    }

    public static void Step(ParamGroup group, bool decoupled, Func<Tensor, ParameterState> stateOf, Action<Tensor, Tensor> checkUpdatable)
    {
        var (b1, b2) = Betas(group);
        double lr = group.Lr, eps = group.GetDouble("eps"), weightDecay = group.GetDouble("weight_decay");
        bool amsgrad = group.GetBool("amsgrad"), maximize = group.GetBool("maximize");
        foreach (var p in group.Params)
        {
            if (p.Grad is not { } grad) continue;
            checkUpdatable(p, grad);
            var state = stateOf(p);
            var m = state.Get("exp_avg") ?? Zeros(state, "exp_avg", p);
            var v = state.Get("exp_avg_sq") ?? Zeros(state, "exp_avg_sq", p);
            Tensor? vmax = amsgrad ? state.Get("max_exp_avg_sq") ?? Zeros(state, "max_exp_avg_sq", p) : null;
            state.Step++;
            var hyper = new AdamParameters(lr, b1, b2, eps, weightDecay, decoupled, amsgrad, state.Step, maximize);
            p.Backend.AdamStep(p.Storage, grad.Storage, m.Storage, v.Storage, vmax?.Storage, hyper);
            p.Storage.BumpVersion();
            m.Storage.BumpVersion();
            v.Storage.BumpVersion();
            vmax?.Storage.BumpVersion();
        }
    }

    private static Tensor Zeros(ParameterState state, string name, Tensor like)
    {
        var t = Tensor.ZerosLike(like);
        state.Set(name, t);
        return t;
    }
}
