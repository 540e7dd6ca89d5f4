using System.Collections;
using System.Globalization;

namespace Autograd.NN;

/// <summary>
/// Runs its modules in order, each on the previous one's output (PyTorch's <c>nn.Sequential</c>). Children are named
/// "0", "1", ... so parameters read <c>0.weight</c>, <c>2.bias</c>. Supports collection initialisers:
/// <c>new Sequential { new Linear(4, 8), new ReLU() }</c>.
/// </summary>
public sealed class Sequential : Module, IEnumerable<Module>
{
    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var module in modules) Add(module);
    }

    /// <summary>The number of modules.</summary>
    public int Count => OwnChildren().Count();

    /// <summary>The module at <paramref name="index"/>; negative indices count from the end, as in Python.</summary>
    public Module this[int index]
    {
        get
        {
            var children = OwnChildren().Select(c => c.Module).ToList();
            int i = index < 0 ? index + children.Count : index;
            if (i < 0 || i >= children.Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"Sequential: index {index} is out of range for {children.Count} modules");
            return children[i];
        }
    }

    /// <summary>Appends a module under the next index name.</summary>
    public Sequential Add(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(RegisteredModuleCount.ToString(CultureInfo.InvariantCulture), module);
        return this;
    }

    /// <summary>
    /// Each module on the previous one's output; a Conv2d, ReLU, MaxPool2d run on the CPU goes as one fused op
    /// (<see cref="ConvReluPoolFusion"/>) with the same values.
    /// </summary>
    public override Tensor Forward(Tensor input)
    {
        var modules = OwnChildren().Select(c => c.Module).ToArray();
        var x = input;
        for (int i = 0; i < modules.Length; i++)
        {
            if (ConvReluPoolFusion.TryForward(modules, i, x, out var fused))
            {
                x = fused;
                i += 2;
                continue;
            }

            x = modules[i].Forward(x);
        }

        return x;
    }

    public IEnumerator<Module> GetEnumerator() => OwnChildren().Select(c => c.Module).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
