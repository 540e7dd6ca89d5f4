using Autograd.Graph;

namespace Autograd;

public sealed partial class Tensor
{
    /// <summary>exp(x) / sum(exp(x)) along <paramref name="dim"/>, max-shifted for stability.</summary>
    public Tensor Softmax(int dim) => SoftmaxCore(dim, log: false);

    /// <summary>log(softmax(x)) along <paramref name="dim"/>, computed without forming softmax.</summary>
    public Tensor LogSoftmax(int dim) => SoftmaxCore(dim, log: true);

    private Tensor SoftmaxCore(int dim, bool log)
    {
        string name = log ? "LogSoftmax" : "Softmax";
        if (!DType.IsFloatingPoint()) throw new ArgumentException($"{name}: expected a floating point tensor but got {DType.TorchName()}");
        int d = NormalizeDim(dim, Dim, name);
        int outer = 1, inner = 1;
        for (int k = 0; k < d; k++) outer *= _shape[k];
        for (int k = d + 1; k < Dim; k++) inner *= _shape[k];
        int size = Dim == 0 ? 1 : _shape[d];
        var x = this;
        var y = EmptyLike(x);
        Backend.Softmax(Storage, outer, size, inner, y.Storage, log);
        return GraphRecorder.Record(y, log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", [x], [y], g =>
        {
            var gx = EmptyLike(g);
            g.Backend.SoftmaxBackward(y.Storage, g.Storage, outer, size, inner, gx.Storage, log);
            return [gx];
        });
    }
}
