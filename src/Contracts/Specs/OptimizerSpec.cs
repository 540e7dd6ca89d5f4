namespace Autograd.Cluster.Contracts.Specs;

/// <summary>The optimizer and its hyper-parameters, with PyTorch's meanings and defaults.</summary>
[GenerateSerializer, Alias("Autograd.Cluster.OptimizerSpec")]
public sealed record OptimizerSpec
{
    public const string Sgd = "sgd";
    public const string Adam = "adam";
    public const string AdamW = "adamw";

    public static readonly IReadOnlyList<string> Kinds = [Sgd, Adam, AdamW];

    /// <summary><c>sgd</c>, <c>adam</c> or <c>adamw</c>.</summary>
    [Id(0)]
    public string Kind { get; init; } = Adam;

    [Id(1)]
    public double Lr { get; init; } = 1e-3;

    /// <summary>SGD only.</summary>
    [Id(2)]
    public double Momentum { get; init; }

    /// <summary>SGD only.</summary>
    [Id(3)]
    public double Dampening { get; init; }

    /// <summary>SGD only.</summary>
    [Id(4)]
    public bool Nesterov { get; init; }

    /// <summary>Adam and AdamW.</summary>
    [Id(5)]
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam and AdamW.</summary>
    [Id(6)]
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam and AdamW.</summary>
    [Id(7)]
    public double Eps { get; init; } = 1e-8;

    /// <summary>L2 penalty (SGD, Adam) or decoupled decay (AdamW); null takes the optimizer's default (0, or 0.01 for AdamW).</summary>
    [Id(8)]
    public double? WeightDecay { get; init; }

    /// <summary>Adam and AdamW.</summary>
    [Id(9)]
    public bool Amsgrad { get; init; }

    public static OptimizerSpec SgdWith(double lr, double momentum = 0) => new() { Kind = Sgd, Lr = lr, Momentum = momentum };

    public static OptimizerSpec AdamWith(double lr) => new() { Kind = Adam, Lr = lr };
}
