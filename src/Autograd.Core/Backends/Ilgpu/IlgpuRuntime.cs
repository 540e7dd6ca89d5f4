using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using IlgpuDevice = ILGPU.Runtime.Device;

// The CPU accelerator emits its launch wrappers into a dynamic assembly of this name; the kernels and their
// argument structs are internal, so that assembly must see them.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("ILGPURuntime")]

namespace Autograd.Backends.Ilgpu;

/// <summary>
/// The process's one ILGPU <see cref="Context"/> (created on first use, thread-safe) and the map from Autograd's
/// devices to ILGPU's: <c>cuda:i</c> is the i-th CUDA device, <c>opencl:i</c> the i-th OpenCL device ILGPU
/// supports, <c>ilgpu-cpu:0</c> ILGPU's CPU accelerator (a GPU simulator for tests).
/// </summary>
internal static class IlgpuRuntime
{
    private static readonly Lazy<Context> LazyContext = new(CreateContext, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The shared context. <c>EnableAlgorithms</c> supplies Math.Exp/Log/Tanh/Pow for the PTX backend (without it
    /// ILGPU 1.5 cannot compile them for CUDA at all).
    /// </summary>
    public static Context Context => LazyContext.Value;

    /// <summary>Every device ILGPU can run on here, as Autograd devices: CUDA first, then OpenCL, then the CPU simulator.</summary>
    public static IReadOnlyList<Device> Devices
    {
        get
        {
            var devices = new List<Device>();
            for (int i = 0; i < Context.GetCudaDevices().Count; i++) devices.Add(Device.Cuda(i));
            for (int i = 0; i < Context.GetCLDevices().Count; i++) devices.Add(Device.OpenCL(i));
            devices.Add(Device.IlgpuCpu);
            return devices;
        }
    }

    /// <summary>The ILGPU device behind <paramref name="device"/>, or null when there is none.</summary>
    public static IlgpuDevice? Find(Device device)
    {
        if (device.Index < 0) return null;
        switch (device.Kind)
        {
            case DeviceKind.Cuda:
                {
                    var cuda = Context.GetCudaDevices();
                    return device.Index < cuda.Count ? cuda[device.Index] : null;
                }

            case DeviceKind.OpenCL:
                {
                    var cl = Context.GetCLDevices();
                    return device.Index < cl.Count ? cl[device.Index] : null;
                }

            case DeviceKind.IlgpuCpu:
                {
                    var cpu = Context.GetCPUDevices();
                    return device.Index < cpu.Count ? cpu[device.Index] : null;
                }

            default:
                return null;
        }
    }

    private static Context CreateContext()
    {
        var context = Context.Create(builder => builder.Default().EnableAlgorithms());
        // Accelerators own native handles and, for the CPU simulator, threads: release them, then the context, at exit.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            IlgpuBackend.DisposeAll();
            context.Dispose();
        };
        return context;
    }
}
