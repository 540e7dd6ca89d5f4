namespace Autograd.Cluster.Contracts.Uploads;

/// <summary>One array of an uploaded dataset.</summary>
[GenerateSerializer, Alias("Autograd.Cluster.UploadPart")]
public enum UploadPart
{
    /// <summary>Training inputs, [samples, ...sample shape] floats.</summary>
    Inputs,

    /// <summary>Training class labels, [samples] integers.</summary>
    Labels,

    /// <summary>Training float targets, [samples, ...target shape].</summary>
    Targets,

    /// <summary>Test inputs, [test samples, ...sample shape].</summary>
    TestInputs,

    /// <summary>Test class labels, [test samples].</summary>
    TestLabels,

    /// <summary>Test float targets, [test samples, ...target shape].</summary>
    TestTargets,
}
