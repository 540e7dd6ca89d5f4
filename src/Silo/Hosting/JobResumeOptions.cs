using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// How <see cref="ActiveJobResumer"/> waits for the cluster to form before it resumes the active jobs: until the number
/// of active silos has not changed for <see cref="Settle"/> (<c>Autograd:Resume:SettleSeconds</c>, default 5), and at
/// most <see cref="MaxWait"/> (<c>Autograd:Resume:MaxWaitSeconds</c>, default 60). A job resumed by the first silo up
/// would put all of its workers on that silo (a recovery runs one worker per live silo), so the wait lets the rest of
/// a restarting cluster join first.
/// </summary>
public sealed class JobResumeOptions
{
    /// <summary>Key of <see cref="Settle"/>: seconds, 0 or more (0 resumes as soon as the silo is active).</summary>
    public const string SettleKey = "Autograd:Resume:SettleSeconds";

    /// <summary>Key of <see cref="MaxWait"/>: seconds, 0 or more.</summary>
    public const string MaxWaitKey = "Autograd:Resume:MaxWaitSeconds";

    /// <summary>Reads and checks both keys; a bad value fails naming its key.</summary>
    /// <exception cref="InvalidOperationException">A value is not a number of seconds from 0 to 3600.</exception>
    public JobResumeOptions(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Settle = Seconds(configuration, SettleKey, 5);
        MaxWait = Seconds(configuration, MaxWaitKey, 60);
    }

    /// <summary>How long the number of active silos must stay the same before the jobs are resumed.</summary>
    public TimeSpan Settle { get; }

    /// <summary>The longest the resumer waits for the membership to settle before it resumes anyway.</summary>
    public TimeSpan MaxWait { get; }

    private static TimeSpan Seconds(IConfiguration configuration, string key, double fallback)
    {
        string? text = configuration[key];
        if (string.IsNullOrWhiteSpace(text)) return TimeSpan.FromSeconds(fallback);
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds >= 0 && seconds <= 3600))
            throw new InvalidOperationException($"configuration {key}: '{text}' is not a number of seconds from 0 to 3600");
        return TimeSpan.FromSeconds(seconds);
    }
}
