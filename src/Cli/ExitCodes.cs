namespace Autograd.Cluster.Cli;

/// <summary>The CLI's exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Done as asked.</summary>
    public const int Success = 0;

    /// <summary>The job failed or was cancelled, the cluster could not be reached, or a file could not be written.</summary>
    public const int Failure = 1;

    /// <summary>Bad input: a malformed command line, job file or endpoint, a spec the cluster refused, an unknown job.</summary>
    public const int BadInput = 2;
}
