using System.Text.Json.Serialization;

namespace Autograd.Cluster.Silo.Telemetry;

/// <summary>The JSON of a <see cref="ProcessHealthSample"/>, generated at build time: one line, the sample's snake_case names.</summary>
[JsonSerializable(typeof(ProcessHealthSample))]
public sealed partial class ProcessHealthJsonContext : JsonSerializerContext;
