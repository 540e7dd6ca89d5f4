namespace Autograd.Cluster.Contracts.Specs;

/// <summary>
/// A learning-rate schedule: <c>step</c> (StepLR) or <c>cosine</c> (CosineAnnealingLR), stepped once per epoch (as
/// PyTorch's usual loop does) or, with <see cref="Interval"/> = <c>step</c>, once per optimizer step (as per-batch
/// schedules are). Its periods (<see cref="StepSize"/>, <see cref="TMax"/>) count those intervals.
/// </summary>
[GenerateSerializer, Alias("Autograd.Cluster.LrScheduleSpec")]
public sealed record LrScheduleSpec
{
    public const string Step = "step";
    public const string Cosine = "cosine";

    public static readonly IReadOnlyList<string> Kinds = [Step, Cosine];

    /// <summary>Value of <see cref="Interval"/>: the schedule steps after every epoch.</summary>
    public const string PerEpoch = "epoch";

    /// <summary>Value of <see cref="Interval"/>: the schedule steps after every optimizer step.</summary>
    public const string PerStep = "step";

    public static readonly IReadOnlyList<string> Intervals = [PerEpoch, PerStep];

    [Id(0)]
    public string Kind { get; init; } = Step;

    /// <summary>StepLR: intervals between decays.</summary>
    [Id(1)]
    public int StepSize { get; init; } = 1;

    /// <summary>StepLR: the decay factor.</summary>
    [Id(2)]
    public double Gamma { get; init; } = 0.1;

    /// <summary>Cosine: the half period in intervals.</summary>
    [Id(3)]
    public int TMax { get; init; } = 1;

    /// <summary>Cosine: the floor.</summary>
    [Id(4)]
    public double EtaMin { get; init; }

    /// <summary>When the schedule steps: <c>epoch</c> (the default) or <c>step</c>.</summary>
    [Id(5)]
    public string Interval { get; init; } = PerEpoch;
}
