namespace Autograd.NN;

public static partial class Functional
{
    /// <summary>y = x W^T + b over the last dimension of x (F.linear); W is [out_features, in_features].</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) => Tensor.Linear(input, weight, bias);
}
