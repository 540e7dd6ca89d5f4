namespace Autograd.Cluster.Cli.Tests.Support;

/// <summary>Runs the CLI's entry point in this process with captured output, as a non-terminal (plain progress lines).</summary>
internal static class CliRunner
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await CliApp.RunAsync(args, new CliConsole(output, error, Interactive: false), Xunit.TestContext.Current.CancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}

/// <summary>An exit code and what was written.</summary>
internal sealed record CliResult(int Code, string Out, string Error)
{
    /// <summary>The error output's lines.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {Code}\nstdout:\n{Out}\nstderr:\n{Error}";
}
