using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// What one tenant may ask of the cluster, from configuration (env <c>Autograd__Limits__MaxParametersPerJob</c>, ...):
/// the parameters of one job's model, the declared size of one dataset upload, and the jobs running at once. Over a
/// limit, a submit or an upload is refused with a one-line reason naming the limit's key. Every silo of a cluster is
/// assumed to run with the same values (one image, one configuration). <see cref="Read"/> checks them at startup.
/// </summary>
public sealed record TrainingLimits
{
    /// <summary>Key of <see cref="MaxParametersPerJob"/>.</summary>
    public const string MaxParametersPerJobKey = "Autograd:Limits:MaxParametersPerJob";

    /// <summary>Key of <see cref="MaxUploadBytes"/>.</summary>
    public const string MaxUploadBytesKey = "Autograd:Limits:MaxUploadBytes";

    /// <summary>Key of <see cref="MaxConcurrentJobs"/>.</summary>
    public const string MaxConcurrentJobsKey = "Autograd:Limits:MaxConcurrentJobs";

    /// <summary>
    /// The default and the highest <see cref="MaxParametersPerJob"/>: 256 Mi parameters (1 GiB of floats, before
    /// gradients and optimizer state), also the most one layer may have.
    /// </summary>
    public const long DefaultMaxParametersPerJob = 256L * 1024 * 1024;

    /// <summary>
    /// The default <see cref="MaxUploadBytes"/>: 512 MiB, above what the 64 Mi values an upload may hold take in the
    /// worst case (half of them 8-byte labels), so by default only that value cap binds.
    /// </summary>
    public const long DefaultMaxUploadBytes = 512L * 1024 * 1024;

    /// <summary>The default <see cref="MaxConcurrentJobs"/>.</summary>
    public const int DefaultMaxConcurrentJobs = 16;

    /// <summary>
    /// The most trainable parameters one job's model may have (positive, at most <see cref="DefaultMaxParametersPerJob"/>):
    /// a bigger model is refused at submit naming <c>model</c>, the count and this key.
    /// </summary>
    public long MaxParametersPerJob { get; init; } = DefaultMaxParametersPerJob;

    /// <summary>
    /// The most bytes one dataset upload may declare in its header (4 per input or float target value, 8 per label):
    /// a larger one is refused at <c>BeginAsync</c>, before anything is allocated, naming <c>upload.samples</c> and this key.
    /// </summary>
    public long MaxUploadBytes { get; init; } = DefaultMaxUploadBytes;

    /// <summary>
    /// The most jobs the cluster runs at once (0 = no limit): a submit or resume beyond it is refused naming this key
    /// and the number of active jobs, and the job is not started.
    /// </summary>
    public int MaxConcurrentJobs { get; init; } = DefaultMaxConcurrentJobs;

    /// <summary>Reads and checks every key; a missing or empty key keeps its default.</summary>
    /// <exception cref="InvalidOperationException">A value is not a number in its range; the message names the key.</exception>
    public static TrainingLimits Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var defaults = new TrainingLimits();
        return new TrainingLimits
        {
            MaxParametersPerJob = ConfigurationNumber.Read(configuration, MaxParametersPerJobKey, defaults.MaxParametersPerJob, 1, DefaultMaxParametersPerJob),
            MaxUploadBytes = ConfigurationNumber.Read(configuration, MaxUploadBytesKey, defaults.MaxUploadBytes, 1, long.MaxValue),
            MaxConcurrentJobs = (int)ConfigurationNumber.Read(configuration, MaxConcurrentJobsKey, defaults.MaxConcurrentJobs, 0, int.MaxValue),
        };
    }
}
