using Autograd.NN;
using Autograd.Optim;
using Autograd.Tests.Backends.Ilgpu;
using Xunit;

namespace Autograd.Tests.NN;

/// <summary>Module.To(device) and state dicts across devices, on the ILGPU targets (the CPU simulator always runs).</summary>
[Collection(IlgpuTargets.Collection)]
public sealed class ModuleDeviceTests
{
    private static Sequential MakeModel() => new(new Linear(3, 4), new BatchNorm1d(4), new ReLU(), new Linear(4, 2));

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void ToDevice_MovesParametersBuffersAndGrads_StateDictComesBackToCpuUnchanged(string target)
    {
        var device = IlgpuTargets.Require(target);
        Tensor.ManualSeed(9);
        var model = MakeModel();
        model.Forward(Tensor.Randn(4, 3)).Sum().Backward();
        var before = model.StateDict().ToDictionary(e => e.Key, e => e.Value.To(Device.Cpu).Clone());
        var gradBefore = model.GetParameter("0.weight").Grad!.ToArray();

        model.To(device);

        Assert.All(model.Parameters(), p => Assert.Equal(device, p.Device));
        Assert.All(model.Buffers(), b => Assert.Equal(device, b.Device));
        Assert.Equal(device, model.GetParameter("0.weight").Grad!.Device);
        Assert.Equal(gradBefore, model.GetParameter("0.weight").Grad!.ToArray());
        var back = MakeModel();
        back.LoadStateDict(model.StateDict());
        foreach (var (name, tensor) in back.StateDict())
        {
            if (tensor.DType == DType.Int64) Assert.Equal(before[name].ToArray<long>(), tensor.ToArray<long>());
            else Assert.Equal(before[name].ToArray(), tensor.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void LoadStateDict_CpuValuesIntoDeviceModel_AndTrainingStepsThere(string target)
    {
        var device = IlgpuTargets.Require(target);
        var source = MakeModel();
        var model = MakeModel().To(device);

        model.LoadStateDict(source.StateDict());
        var optimizer = new SGD(model.Parameters(), lr: 0.1f, momentum: 0.9f);
        var loss = new MSELoss().Forward(model.Forward(Tensor.Randn(4, 3).To(device)), Tensor.Zeros(4, 2).To(device));
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();

        Assert.Equal(device, optimizer.State[model.GetParameter("0.weight")].Tensors["momentum_buffer"].Device);
        Assert.NotEqual(source.GetParameter("0.weight").ToArray(), model.GetParameter("0.weight").ToArray());
    }
}
