using Autograd;
using Xunit;

namespace Autograd.Tests.Backends.Ilgpu;

/// <summary>
/// The devices every ILGPU test body runs on: ILGPU's CPU simulator (always present) and the first CUDA GPU, which
/// is reported as skipped where there is none. All ILGPU tests share one collection: they share one accelerator
/// per device (BackendRegistry keeps it for the process), so its kernels compile once, and they run one at a time.
/// </summary>
public static class IlgpuTargets
{
    public const string Collection = "ILGPU accelerators";

    public const string IlgpuCpu = "ilgpu-cpu";
    public const string Cuda = "cuda";

    /// <summary>
    /// ILGPU's CPU simulator shaped like a GPU: 256 threads per group (16 warps of 16), so the GEMM's 16 x 16 tile
    /// and 256-wide group reductions, which the default 16-thread simulator never launches, run here too. Slow
    /// (256 host threads per group): only the kernels whose launch shape depends on the group size use it.
    /// </summary>
    public const string WideSimulator = "ilgpu-cpu-256";

    private static readonly Device WideSimulatorDevice = new(DeviceKind.IlgpuCpu, 256);
    private static readonly Lazy<Device> RegisteredWideSimulator = new(() =>
    {
        Autograd.Backends.BackendRegistry.Register(
            WideSimulatorDevice,
            d => Autograd.Backends.Ilgpu.IlgpuBackend.Create(d, new ILGPU.Runtime.CPU.CPUDevice(16, 16, 1)));
        return WideSimulatorDevice;
    });

    public static TheoryData<string> Devices => new(IlgpuCpu, Cuda);

    public static TheoryData<string, DType> DevicesAndDTypes
    {
        get
        {
            var data = new TheoryData<string, DType>();
            foreach (var device in new[] { IlgpuCpu, Cuda })
            {
                data.Add(device, DType.Float32);
                data.Add(device, DType.Float64);
            }

            return data;
        }
    }

    /// <summary>The device named by a theory row; skips the test when this machine does not have it.</summary>
    public static Device Require(string target)
    {
        var device = target switch
        {
            IlgpuCpu => Device.IlgpuCpu,
            Cuda => Device.Cuda(0),
            WideSimulator => RegisteredWideSimulator.Value,
            _ => throw new ArgumentOutOfRangeException(nameof(target), target, "unknown test target"),
        };
        if (!Device.IsAvailable(device))
            Assert.Skip($"no {device} device on this machine (available: {string.Join(", ", Device.Available)})");
        return device;
    }
}

[CollectionDefinition(IlgpuTargets.Collection, DisableParallelization = true)]
public sealed class IlgpuCollection
{
}
