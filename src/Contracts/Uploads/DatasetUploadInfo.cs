namespace Autograd.Cluster.Contracts.Uploads;

/// <summary>
/// An upload's progress: <see cref="Header"/> is null until it begins; once <see cref="Sealed"/>, its content never
/// changes and <see cref="Version"/> names it (silos cache fetched uploads by id and version).
/// </summary>
[GenerateSerializer, Immutable, Alias("Autograd.Cluster.DatasetUploadInfo")]
public sealed record DatasetUploadInfo
{
    [Id(0)]
    public string UploadId { get; init; } = string.Empty;

    [Id(1)]
    public DatasetUploadHeader? Header { get; init; }

    [Id(2)]
    public bool Sealed { get; init; }

    /// <summary>A fresh id given at seal; empty before.</summary>
    [Id(3)]
    public string Version { get; init; } = string.Empty;

    /// <summary>Values received so far, per part (the parts a header declares, in <see cref="UploadPart"/> order).</summary>
    [Id(4)]
    public Dictionary<UploadPart, long> Received { get; init; } = [];

    /// <summary>Values each declared part must hold.</summary>
    [Id(5)]
    public Dictionary<UploadPart, long> Expected { get; init; } = [];
}
