using Autograd;
using Autograd.Backends;
using Autograd.Backends.Ilgpu;
using Xunit;
using F = Autograd.NN.Functional;

namespace Autograd.Tests.Backends.Ilgpu;

[Collection(IlgpuTargets.Collection)]
public sealed class IlgpuDeviceTests
{
    [Fact]
    public void Devices_NameParseAndAvailability_AreConsistent()
    {
        Assert.Equal("cuda:1", Device.Cuda(1).ToString());
        Assert.Equal("opencl:0", Device.OpenCL().ToString());
        Assert.Equal("ilgpu-cpu:0", Device.IlgpuCpu.ToString());
        foreach (var device in new[] { Device.Cpu, Device.Cuda(2), Device.OpenCL(1), Device.IlgpuCpu })
            Assert.Equal(device, Device.Parse(device.ToString()));
        Assert.Equal(Device.Cuda(0), Device.Parse("CUDA"));
        Assert.Throws<FormatException>(() => Device.Parse("tpu"));
        Assert.Throws<FormatException>(() => Device.Parse("cuda:-1"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Device.Cuda(-1));

        var available = Device.Available;
        Assert.Equal(Device.Cpu, available[0]);
        Assert.Contains(Device.IlgpuCpu, available);
        Assert.True(Device.IsAvailable(Device.IlgpuCpu));
        Assert.Equal(available.Contains(Device.Cuda(0)), Device.IsAvailable(Device.Cuda(0)));
        Assert.False(Device.IsAvailable(Device.Cuda(99)));
        Assert.False(Device.IsAvailable(new Device(DeviceKind.IlgpuCpu, 5)));
    }

    [Fact]
    public void Auto_PrefersCudaThenOpenClThenTheCpuBackend()
    {
        var available = Device.Available;
        var expected = available.FirstOrDefault(d => d.Kind == DeviceKind.Cuda)
            ?? available.FirstOrDefault(d => d.Kind == DeviceKind.OpenCL)
            ?? Device.Cpu;
        Assert.Equal(expected, Device.Auto);
        Assert.Equal(expected, Device.Parse("auto"));
        Assert.NotEqual(Device.IlgpuCpu, Device.Auto);
    }

    [Fact]
    public void CopyRanges_OnTheDevice_WriteAndReadPartsAsOnTheCpu()
    {
        using var t = Tensor.Zeros([5], DType.Float32, Device.IlgpuCpu);
        t.Copy_(new float[] { 3, 4 }, offset: 1);
        t.Copy_(new float[] { 9 }, offset: 4);
        var part = new float[3];
        t.CopyTo(part, offset: 2);

        Assert.Equal([0f, 3f, 4f, 0f, 9f], t.ToArray());
        Assert.Equal([4f, 0f, 9f], part);
    }

    [Fact]
    public void MissingDevice_FailsWithTheAvailableDevices()
    {
        var error = Assert.Throws<NotSupportedException>(() => Tensor.Zeros([2], DType.Float32, Device.Cuda(99)));
        Assert.Contains("cuda:99", error.Message);
        Assert.Contains("ilgpu-cpu:0", error.Message);
    }

    [Fact]
    public void To_RoundTrips_AndGradientsFlowBackAcrossDevices()
    {
        var x = Tensor.From([1.0, -2, 3], [3], requiresGrad: true);
        var onDevice = x.To(Device.IlgpuCpu);
        Assert.Equal(Device.IlgpuCpu, onDevice.Device);
        Assert.Same(onDevice, onDevice.To(Device.IlgpuCpu));
        var y = (onDevice * onDevice).Sum();
        Assert.Contains("device='ilgpu-cpu:0'", y.ToString());
        y.Backward();
        Assert.Equal(Device.Cpu, x.Grad!.Device);
        Assert.Equal(new[] { 2.0, -4, 6 }, x.Grad.ToArray<double>());
        Assert.Equal(new[] { 1.0, -2, 3 }, onDevice.To(Device.Cpu).ToArray<double>());
    }

    public static TheoryData<string> MixedOps => new(
        "add", "mul_broadcast", "compare", "where", "matmul", "linear_weight", "linear_bias", "cat", "index_select",
        "cross_entropy", "conv2d", "embedding", "add_", "mse_loss", "backward_gradient", "max_pool");

    [Theory]
    [MemberData(nameof(MixedOps))]
    public void MixingDevicesInOneOp_ThrowsArgumentExceptionNamingBoth(string op)
    {
        var gpu = Device.IlgpuCpu;
        var a = Tensor.Ones([2, 3]);
        var b = Tensor.Ones([2, 3], DType.Float32, gpu);
        Action act = op switch
        {
            "add" => () => _ = a + b,
            "mul_broadcast" => () => _ = Tensor.Ones([3], DType.Float32, gpu) * a,
            "compare" => () => _ = a.Lt(b),
            "where" => () => _ = a.Where(a.Gt(0), b),
            "matmul" => () => _ = a.MatMul(Tensor.Ones([3, 2], DType.Float32, gpu)),
            "linear_weight" => () => _ = Tensor.Linear(a, Tensor.Ones([4, 3], DType.Float32, gpu)),
            "linear_bias" => () => _ = Tensor.Linear(a, Tensor.Ones([4, 3]), Tensor.Ones([4], DType.Float32, gpu)),
            "cat" => () => _ = Tensor.Cat([a, b]),
            "index_select" => () => _ = a.IndexSelect(0, Tensor.From([0L], [1], gpu)),
            "cross_entropy" => () => _ = F.CrossEntropy(a, Tensor.From([0L, 1], [2], gpu)),
            "conv2d" => () => _ = F.Conv2d(Tensor.Ones([1, 1, 3, 3]), Tensor.Ones([1, 1, 2, 2], DType.Float32, gpu)),
            "embedding" => () => _ = F.Embedding(Tensor.From([0L], [1], gpu), a),
            "add_" => () => a.Add_(b),
            "backward_gradient" => () => (b.RequiresGrad_() * 2).Backward(Tensor.Ones([2, 3])),
            "max_pool" => () => _ = F.MaxPool2d(Tensor.Ones([1, 1, 4, 4], DType.Float32, gpu), 2) + Tensor.Ones([1, 1, 2, 2]),
            _ => () => _ = F.MseLoss(a, b),
        };
        var error = Assert.Throws<ArgumentException>(act);
        Assert.Contains("cpu", error.Message);
        Assert.Contains("ilgpu-cpu:0", error.Message);
    }

    [Fact]
    public void Copy_AcrossDevices_CopiesTheValuesAsPyTorchDoes()
    {
        var onDevice = Tensor.Zeros([2, 2], DType.Float32, Device.IlgpuCpu);
        onDevice.Copy_(Tensor.From([1.0, 2, 3, 4], [2, 2]));
        Assert.Equal(Device.IlgpuCpu, onDevice.Device);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, onDevice.ToArray());
        var onCpu = Tensor.Zeros([4], DType.Float64);
        onCpu.Copy_(onDevice);
        Assert.Equal(new[] { 1.0, 2, 3, 4 }, onCpu.ToArray<double>());
    }

    [Fact]
    public void DisposedTensors_ReturnTheirBuffersToThePool_AndTheyAreReused()
    {
        var backend = (IlgpuBackend)BackendRegistry.For(Device.IlgpuCpu);
        long live = backend.Pool.LiveBuffers;
        using (var scope = new TensorScope())
        {
            var x = Tensor.Ones([123], DType.Float32, Device.IlgpuCpu);
            var y = (x * 2).Exp().Sum();
            Assert.True(backend.Pool.LiveBuffers > live);
        }

        Assert.Equal(live, backend.Pool.LiveBuffers);
        var first = Tensor.Zeros([321], DType.Float64, Device.IlgpuCpu);
        var buffer = ((IlgpuStorage)first.Storage).Buffer;
        first.Dispose();
        var second = Tensor.Zeros([321], DType.Float64, Device.IlgpuCpu);
        Assert.Same(buffer, ((IlgpuStorage)second.Storage).Buffer);
        second.Dispose();
    }

    [Fact]
    public void Simulators_LaunchTheTileShapesTheirGroupSizeAllows()
    {
        var narrow = (IlgpuBackend)BackendRegistry.For(Device.IlgpuCpu);
        Assert.Equal((16, 4), (narrow.GroupSize, narrow.GemmThreads));
        var wide = (IlgpuBackend)BackendRegistry.For(IlgpuTargets.Require(IlgpuTargets.WideSimulator));
        Assert.Equal((256, 16), (wide.GroupSize, wide.GemmThreads));
    }

    [Fact]
    public void Kernels_CompileOnce_PerAccelerator()
    {
        var backend = (IlgpuBackend)BackendRegistry.For(Device.IlgpuCpu);
        var x = Tensor.Ones([4, 4], DType.Float64, Device.IlgpuCpu);
        _ = (x.MatMul(x) + x).Softmax(1).Sum().ItemDouble();
        int loads = backend.Kernels.Loads;
        _ = (x.MatMul(x) + x).Softmax(1).Sum().ItemDouble();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        _ = (x.MatMul(x) + x).Softmax(1).Sum().ItemDouble();
        Assert.Equal(loads, backend.Kernels.Loads);
        Assert.Same(backend, BackendRegistry.For(Device.IlgpuCpu));
    }
}
