using Autograd.Cluster.Client.Serialization;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;

namespace Autograd.Cluster.Cli.Commands;

/// <summary>Reads a job file for a command: a file that cannot be read or parsed is bad input, reported as the reader words it (file, line, field).</summary>
internal static class JobFile
{
    public static JobSpec Load(string path)
    {
        try
        {
            return JobJson.Load(path);
        }
        catch (JobSpecException e)
        {
            throw new CliException(e.Message, ExitCodes.BadInput);
        }
    }
}
