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

    /// <summary>ILGPU's CPU accelerator: runs the GPU kernels in a slow simulator, for tests on machines without a GPU.</summary>
    public static readonly Device IlgpuCpu = new(DeviceKind.IlgpuCpu);

    /// <summary>The best device here: the first CUDA device, else the first OpenCL device, else <see cref="Cpu"/>.</summary>
    public static Device Auto => Backends.BackendRegistry.PreferredDevice();

    /// <summary>Every device tensors can be placed on in this process (<see cref="Cpu"/> first).</summary>
    public static IReadOnlyList<Device> Available => Backends.BackendRegistry.AvailableDevices();

    /// <summary>The <paramref name="index"/>-th CUDA GPU (through ILGPU).</summary>
    public static Device Cuda(int index = 0) => new(DeviceKind.Cuda, CheckIndex(index));

    /// <summary>The <paramref name="index"/>-th OpenCL device ILGPU supports.</summary>
    public static Device OpenCL(int index = 0) => new(DeviceKind.OpenCL, CheckIndex(index));

    /// <summary>Whether tensors can be placed on <paramref name="device"/> in this process.</summary>
    public static bool IsAvailable(Device device) => Backends.BackendRegistry.IsAvailable(device);

    /// <summary>Parses the names <see cref="ToString"/> prints ("cpu", "cuda", "cuda:1", "opencl:0", "ilgpu-cpu") and "auto".</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().ToLowerInvariant().Split(':');
        int index = 0;
        if (parts.Length > 2 || (parts.Length == 2 && (!int.TryParse(parts[1], out index) || index < 0)))
            throw new FormatException($"'{text}' is not a device: expected cpu, cuda[:i], opencl[:i], ilgpu-cpu or auto");
        return parts[0] switch
        {
            "cpu" => Cpu,
            "cuda" => Cuda(index),
            "opencl" => OpenCL(index),
            "ilgpu-cpu" => new Device(DeviceKind.IlgpuCpu, index),
            "auto" when parts.Length == 1 => Auto,
            _ => throw new FormatException($"'{text}' is not a device: expected cpu, cuda[:i], opencl[:i], ilgpu-cpu or auto"),
        };
    }

    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.Cuda => $"cuda:{Index}",
        DeviceKind.OpenCL => $"opencl:{Index}",
        DeviceKind.IlgpuCpu => $"ilgpu-cpu:{Index}",
        _ => $"{Kind}:{Index}",
    };

    private static int CheckIndex(int index) =>
        index >= 0 ? index : throw new ArgumentOutOfRangeException(nameof(index), index, "a device index cannot be negative");
}
