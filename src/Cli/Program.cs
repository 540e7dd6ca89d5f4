using Autograd.Cluster.Cli;

return await CliApp.RunAsync(args, new CliConsole(Console.Out, Console.Error, Interactive: !Console.IsOutputRedirected));
