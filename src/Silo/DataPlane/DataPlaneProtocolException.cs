namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>A frame that breaks the data-plane protocol (bad magic or version, an unknown kind, a count over the limits): the connection it came on is dropped.</summary>
public sealed class DataPlaneProtocolException(string message) : IOException(message)
{
}
