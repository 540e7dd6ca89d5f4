using System.Collections.Concurrent;
using Autograd.Backends.Cpu;
using Autograd.Backends.Ilgpu;

namespace Autograd.Backends;

/// <summary>
/// Maps a <see cref="Device"/> to the backend that runs its kernels: the CPU backend, a registered factory, or
/// (for CUDA, OpenCL and ILGPU's CPU simulator) an ILGPU backend made on first use.
/// </summary>
internal static class BackendRegistry
{
    private static readonly ConcurrentDictionary<Device, Func<Device, IBackend>> Factories = new();
    private static readonly ConcurrentDictionary<Device, Lazy<IBackend>> Instances = new();

    public static IBackend For(Device device)
    {
        if (device.Kind == DeviceKind.Cpu) return CpuBackend.Instance;
        // Lazy: two threads asking at once must not both open an accelerator. A failed creation is not cached.
        var lazy = Instances.GetOrAdd(device, d => new Lazy<IBackend>(() => Create(d)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Instances.TryRemove(new KeyValuePair<Device, Lazy<IBackend>>(device, lazy));
            throw;
        }
    }

    public static void Register(Device device, Func<Device, IBackend> factory) => Factories[device] = factory;

    /// <summary>The CPU, registered devices, then every device ILGPU finds (CUDA, OpenCL, its CPU simulator).</summary>
    public static IReadOnlyList<Device> AvailableDevices()
    {
        var devices = new List<Device> { Device.Cpu };
        foreach (var device in Factories.Keys.Concat(IlgpuRuntime.Devices))
            if (!devices.Contains(device)) devices.Add(device);
        return devices;
    }

    public static bool IsAvailable(Device device) =>
        (device.Kind == DeviceKind.Cpu && device.Index == 0) || Factories.ContainsKey(device) || IlgpuRuntime.Find(device) is not null;

    /// <summary>CUDA first, then OpenCL, then the CPU backend (never the slow CPU simulator).</summary>
    public static Device PreferredDevice()
    {
        var available = AvailableDevices();
        return available.FirstOrDefault(d => d.Kind == DeviceKind.Cuda)
            ?? available.FirstOrDefault(d => d.Kind == DeviceKind.OpenCL)
            ?? Device.Cpu;
    }

    private static IBackend Create(Device device) => Factories.TryGetValue(device, out var factory)
        ? factory(device)
        : device.Kind is DeviceKind.Cuda or DeviceKind.OpenCL or DeviceKind.IlgpuCpu
            ? IlgpuBackend.Create(device)
            : throw new NotSupportedException($"no backend is available for device {device}");
}
