using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Autograd.Cluster.Silo.Hosting;

/// <summary>
/// How many workers of one job this silo hosts at most, from configuration <c>Autograd:SlotsPerSilo</c> (a positive
/// integer). Default: 1 on a CPU silo, and on a GPU silo one per GPU of its kind when <c>Autograd:Device</c> names no
/// index (<c>cuda</c>, <c>auto</c>), else 1 (a device pinned by <c>cuda:i</c>). Every silo of a cluster is assumed to
/// run with the same setting (one image, one configuration): the cluster's slots are silos x this.
/// </summary>
/// <remarks>
/// A worker's GPU: workers of a job are spread round-robin over the S silos (<see cref="Placement.SpreadPlacementDirector"/>),
/// so worker <c>rank</c> is the <c>rank / S</c>-th worker of its job on its silo (<see cref="LocalRank"/>), and it
/// trains on GPU <c>localRank mod GPUs</c> (<see cref="DeviceFor"/>): one worker per GPU while slots = GPUs.
/// </remarks>
public sealed class SiloSlots
{
    public const string ConfigurationKey = "Autograd:SlotsPerSilo";

    public SiloSlots(IConfiguration configuration, ComputeDevice device)
        : this(configuration?[ConfigurationKey], configuration?[ComputeDevice.ConfigurationKey], device?.Device ?? throw new ArgumentNullException(nameof(device)), Device.Available)
    {
    }

    /// <summary>The arithmetic of the public constructor, with the device list given (tests have no GPU).</summary>
    internal SiloSlots(string? configured, string? deviceText, Device device, IReadOnlyList<Device> available)
    {
        Device = device;
        bool gpu = device.Kind is DeviceKind.Cuda or DeviceKind.OpenCL;
        bool pinned = deviceText?.Contains(':', StringComparison.Ordinal) == true;
        Gpus = gpu && !pinned ? Math.Max(1, available.Count(d => d.Kind == device.Kind)) : 1;
        if (string.IsNullOrWhiteSpace(configured))
        {
            PerSilo = Gpus;
        }
        else if (int.TryParse(configured.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int slots) && slots > 0)
        {
            PerSilo = slots;
        }
        else
        {
            throw new InvalidOperationException($"configuration {ConfigurationKey}: '{configured}' is not a positive number of worker slots");
        }
    }

    /// <summary>Workers of one job this silo hosts at most.</summary>
    public int PerSilo { get; }

    /// <summary>The GPUs the silo's workers share out (1 on a CPU silo or a pinned device).</summary>
    public int Gpus { get; }

    /// <summary>The configured device (the first GPU when several are shared out).</summary>
    public Device Device { get; }

    /// <summary>Where worker <paramref name="rank"/> of a job spread over <paramref name="silos"/> silos sits among its job's workers on its silo.</summary>
    public static int LocalRank(int rank, int silos)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(silos);
        return rank / silos;
    }

    /// <summary>The device of the worker with <paramref name="localRank"/> on this silo: GPU <c>localRank mod GPUs</c>, or the configured device.</summary>
    public Device DeviceFor(int localRank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(localRank);
        return Gpus > 1 ? Device with { Index = localRank % Gpus } : Device;
    }
}
