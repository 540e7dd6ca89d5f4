namespace Autograd;

/// <summary>The kind of processor a tensor lives on.</summary>
public enum DeviceKind
{
    Cpu,
    Cuda,
    OpenCL,
    IlgpuCpu,
}

/// <summary>Where a tensor's storage lives. Ops whose inputs live on one device run there.</summary>
public sealed record Device(DeviceKind Kind, int Index = 0)
{
    /// <summary>The managed SIMD backend on this machine's cores.</summary>
    public static readonly Device Cpu = new(DeviceKind.Cpu);

    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.Cuda => $"cuda:{Index}",
        DeviceKind.OpenCL => $"opencl:{Index}",
        DeviceKind.IlgpuCpu => $"ilgpu-cpu:{Index}",
        _ => $"{Kind}:{Index}",
    };
}
