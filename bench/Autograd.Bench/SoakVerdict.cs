namespace Autograd.Bench;

/// <summary>
/// One silo's memory from the end of the warm-up to the end of the soak: the median of the samples in a window (one
/// minute, or a third of a shorter soak) at each end, their difference, and the least-squares slope over everything
/// after the warm-up. Flat: neither the GC heap nor the working set grew by more than <see cref="ToleranceMb"/> MB or
/// <see cref="TolerancePercent"/> % of its value at the end of the warm-up, whichever is larger.
/// </summary>
internal sealed record SoakVerdict(
    int Silo,
    double HeapStartMb,
    double HeapEndMb,
    double HeapSlopeMbPerMinute,
    double WorkingSetStartMb,
    double WorkingSetEndMb,
    double WorkingSetSlopeMbPerMinute,
    double RssStartMb,
    double RssEndMb,
    int Gen2Collections,
    int Samples,
    int StarvationWarnings,
    int OrleansStalls,
    int LongTurns,
    double MaxProbeDelayMs)
{
    public const double ToleranceMb = 16;
    public const double TolerancePercent = 10;

    public double HeapGrowthMb => HeapEndMb - HeapStartMb;

    public double HeapGrowthPercent => Percent(HeapGrowthMb, HeapStartMb);

    public double WorkingSetGrowthMb => WorkingSetEndMb - WorkingSetStartMb;

    public double WorkingSetGrowthPercent => Percent(WorkingSetGrowthMb, WorkingSetStartMb);

    public double RssGrowthMb => RssEndMb - RssStartMb;

    public bool HeapFlat => Within(HeapGrowthMb, HeapStartMb);

    public bool WorkingSetFlat => Within(WorkingSetGrowthMb, WorkingSetStartMb);

    public bool Flat => HeapFlat && WorkingSetFlat;

    private static bool Within(double growthMb, double startMb) => growthMb <= Math.Max(ToleranceMb, startMb * TolerancePercent / 100);

    private static double Percent(double growth, double start) => start > 0 ? 100 * growth / start : double.NaN;
}
