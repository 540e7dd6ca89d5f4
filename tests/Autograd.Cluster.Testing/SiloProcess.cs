namespace Autograd.Cluster.Testing;

/// <summary>One silo of a <see cref="SiloProcessCluster"/>: its process and the loopback ports it listens on.</summary>
/// <param name="Process">The <c>dotnet Autograd.Cluster.Silo.dll</c> process.</param>
/// <param name="SiloPort">The silo-to-silo port, the port of its <c>SiloAddress</c>.</param>
/// <param name="GatewayPort">The port clients connect to.</param>
public sealed record SiloProcess(ChildProcess Process, int SiloPort, int GatewayPort);
