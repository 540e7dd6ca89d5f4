namespace Autograd.Cluster.Contracts.Specs;

/// <summary>A learning-rate schedule stepped once per epoch: <c>step</c> (StepLR) or <c>cosine</c> (CosineAnnealingLR).</summary>
[GenerateSerializer, Alias("Autograd.Cluster.LrScheduleSpec")]
public sealed record LrScheduleSpec
{
    public const string Step = "step";
    public const string Cosine = "cosine";

    public static readonly IReadOnlyList<string> Kinds = [Step, Cosine];

    [Id(0)]
    public string Kind { get; init; } = Step;

    /// <summary>StepLR: epochs between decays.</summary>
    [Id(1)]
    public int StepSize { get; init; } = 1;

    /// <summary>StepLR: the decay factor.</summary>
    [Id(2)]
    public double Gamma { get; init; } = 0.1;

    /// <summary>Cosine: the half period in epochs.</summary>
    [Id(3)]
    public int TMax { get; init; } = 1;

    /// <summary>Cosine: the floor.</summary>
    [Id(4)]
    public double EtaMin { get; init; }
}
