namespace Autograd.Cluster.Cli;

/// <summary>Where the CLI writes: results and progress to <see cref="Out"/>, the one-line error to <see cref="Error"/>; <see cref="Interactive"/> when Out is a terminal (progress redraws one line).</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool Interactive);
