using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// How long a coordinator's runs of consecutive steps are (<c>RunLength</c>: one call per worker runs a whole run, the
/// shards keep the workers in step), from configuration (env <c>Autograd__StepRun__MaxSteps</c>, ...).
/// <see cref="Read"/> checks them at startup.
/// </summary>
public sealed record StepRunOptions
{
    /// <summary>Key of <see cref="Target"/>, in whole milliseconds.</summary>
    public const string TargetMillisecondsKey = "Autograd:StepRun:TargetMilliseconds";

    /// <summary>Key of <see cref="MaxSteps"/>.</summary>
    public const string MaxStepsKey = "Autograd:StepRun:MaxSteps";

    /// <summary>
    /// The wall time a run aims at (default 200 ms): the job's status moves on at the end of a run, and a cancel takes
    /// effect at the end of the run queued behind the one in flight, so within about twice this much plus one step.
    /// </summary>
    public TimeSpan Target { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The most steps in one run, however fast the steps (default 64; 1 asks the workers for one step at a time).</summary>
    public int MaxSteps { get; init; } = 64;

    /// <summary>Reads and checks both keys; a missing or empty key keeps its default.</summary>
    /// <exception cref="InvalidOperationException">A value is not a whole number in its range; the message names the key.</exception>
    public static StepRunOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var defaults = new StepRunOptions();
        return new StepRunOptions
        {
            Target = TimeSpan.FromMilliseconds(ConfigurationNumber.Read(configuration, TargetMillisecondsKey, (long)defaults.Target.TotalMilliseconds, 1, (long)TimeSpan.FromDays(1).TotalMilliseconds)),
            MaxSteps = (int)ConfigurationNumber.Read(configuration, MaxStepsKey, defaults.MaxSteps, 1, 1_000_000),
        };
    }
}
