namespace Autograd.Cluster.AppHost;

/// <summary>
/// The AppHost's configuration keys (command line <c>--Parameters:silos=3</c>, environment <c>Parameters__silos=3</c>,
/// or appsettings), read when the resource graph is built.
/// </summary>
public static class AppHostParameters
{
    /// <summary>Number of silo replicas.</summary>
    public const string SilosKey = "Parameters:silos";

    /// <summary>Default of <see cref="SilosKey"/>.</summary>
    public const int DefaultSilos = 2;

    /// <summary>The silos' <c>Autograd:Device</c> (default <c>cpu</c>: every replica on one machine shares its cores, and a GPU with them would be oversubscribed).</summary>
    public const string DeviceKey = "Parameters:device";

    /// <summary>Whether the <c>trainer</c> resource runs (default true): <c>autograd train</c> of <see cref="TrainerJobKey"/> on the cluster.</summary>
    public const string TrainerKey = "Parameters:trainer";

    /// <summary>The job file the trainer submits, relative to the repository root. Default <see cref="DefaultTrainerJob"/>.</summary>
    public const string TrainerJobKey = "Parameters:trainer-job";

    /// <summary>Default of <see cref="TrainerJobKey"/>.</summary>
    public const string DefaultTrainerJob = "examples/fashion-mnist-mlp.json";

    /// <summary>Epochs the trainer asks for, overriding the job file's (unset: the job file's own).</summary>
    public const string TrainerEpochsKey = "Parameters:trainer-epochs";

    /// <summary>
    /// The cluster's and service's id. The silos' and the CLI's default (<c>dev</c>), so that
    /// <c>autograd train --cluster redis:&lt;connection string&gt;</c> finds the cluster; the Redis store is private to the AppHost.
    /// </summary>
    public const string ClusterId = "dev";

    /// <summary>Whether the silos serve the Orleans dashboard at <c>/dashboard</c> (default false).</summary>
    public const string OrleansDashboardKey = "Parameters:orleans-dashboard";
}
