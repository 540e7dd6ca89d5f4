using System.Collections.Concurrent;
using Autograd.Backends.Cpu;

namespace Autograd.Backends;

/// <summary>Maps a <see cref="Device"/> to the backend that runs its kernels. GPU backends register themselves here.</summary>
internal static class BackendRegistry
{
    private static readonly ConcurrentDictionary<Device, Func<Device, IBackend>> Factories = new();
    private static readonly ConcurrentDictionary<Device, IBackend> Instances = new();

    public static IBackend For(Device device)
    {
        if (device.Kind == DeviceKind.Cpu) return CpuBackend.Instance;
        return Instances.GetOrAdd(device, d => Factories.TryGetValue(d, out var factory)
            ? factory(d)
            : throw new NotSupportedException($"no backend is available for device {d}"));
    }

    public static void Register(Device device, Func<Device, IBackend> factory) => Factories[device] = factory;
}
