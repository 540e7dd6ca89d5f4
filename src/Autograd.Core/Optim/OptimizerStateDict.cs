namespace Autograd.Optim;

/// <summary>
/// An optimizer's state as PyTorch's <c>optimizer.state_dict()</c>: per-parameter state keyed by the parameter's
/// index (counting through the groups in order), each a map of state tensors with <c>"step"</c> as an Int64
/// scalar where the optimizer counts steps; and each group's hyper-parameters with the indices of its parameters.
/// </summary>
public sealed record OptimizerStateDict(
    IReadOnlyDictionary<int, IReadOnlyDictionary<string, Tensor>> State,
    IReadOnlyList<ParamGroupStateDict> ParamGroups);

/// <summary>One parameter group in an <see cref="OptimizerStateDict"/>: its options and the indices of its parameters.</summary>
public sealed record ParamGroupStateDict(IReadOnlyDictionary<string, object> Options, IReadOnlyList<int> Params);
