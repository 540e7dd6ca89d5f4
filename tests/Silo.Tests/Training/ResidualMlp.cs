using Autograd.Cluster.Silo.Training;
using Autograd.NN;

namespace Autograd.Cluster.Silo.Tests.Training;

/// <summary>
/// A model a layer list cannot express, registered in the test cluster by name: head(x + relu(inner(x))), a residual
/// block followed by a linear classifier. Its fields are its children (<c>inner</c>, <c>head</c>), as the engine's
/// modules find them.
/// </summary>
internal sealed class ResidualMlp : Module
{
    public const string TypeName = "residual-mlp";

    public static readonly string[] Arguments = ["features", "classes"];

    private readonly Linear _inner;
    private readonly Linear _head;

    public ResidualMlp(int features, int classes)
    {
        _inner = new Linear(features, features);
        _head = new Linear(features, classes);
    }

    public static Module Create(LayerArguments args, Generator dropout) => new ResidualMlp(args.PositiveInt("features"), args.PositiveInt("classes"));

    public override Tensor Forward(Tensor input) => _head.Forward(input + _inner.Forward(input).Relu());
}
