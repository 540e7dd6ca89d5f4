using Autograd.NN;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// A module a job spec names by <see cref="Name"/> as a layer type, for code a list of built-in layers cannot express
/// (residual blocks, custom forward passes). <see cref="Factory"/> builds it from the layer's arguments and the
/// rank's dropout generator; its parameters must draw from the engine's default generator (as the built-in layers
/// do), which the silo seeds with the job's seed, so every replica and the coordinator build identical parameters.
/// <see cref="Arguments"/> lists the arguments it takes, for error messages.
/// </summary>
public sealed record ModelRegistration(string Name, Func<LayerArguments, Generator, Module> Factory, IReadOnlyList<string> Arguments);
