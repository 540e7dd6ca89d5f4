using System.Diagnostics;
using Autograd;
using Autograd.NN;
using Autograd.Optim;
using Xunit;
using F = Autograd.NN.Functional;

namespace Autograd.Tests.Backends.Ilgpu;

[Collection(IlgpuTargets.Collection)]
public sealed class IlgpuTrainingTests
{
    [Theory]
    [MemberData(nameof(IlgpuTargets.Devices), MemberType = typeof(IlgpuTargets))]
    public void Mlp784x256x128x10_WithAdam_FollowsTheCpuLossCurve(string target)
    {
        // 64 synthetic "images" (class-dependent means), batch 16, 8 Adam steps: the same model, data and order on
        // both devices must give the same losses within float32 reduction-order tolerance, and they must fall.
        var device = IlgpuTargets.Require(target);
        var data = new Random(11);
        var images = new float[64 * 784];
        var labels = new long[64];
        for (int i = 0; i < 64; i++)
        {
            labels[i] = i % 10;
            for (int j = 0; j < 784; j++) images[(i * 784) + j] = (float)((data.NextDouble() * 0.5) + ((j % 10) == labels[i] ? 0.5 : 0));
        }

        var expected = Train(Device.Cpu, images, labels);
        var clock = Stopwatch.StartNew();
        var actual = Train(device, images, labels);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"8 steps on {device} took {clock.Elapsed}");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"step {i}: cpu loss {expected[i]:G9}, {device} loss {actual[i]:G9}");
        Assert.True(actual[^1] < actual[0] - 0.2, $"loss did not fall: {string.Join(", ", actual)}");
    }

    private static float[] Train(Device device, float[] images, long[] labels)
    {
        Tensor.ManualSeed(2024);
        var model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(), new Linear(128, 10));
        model.To(device);
        var optimizer = new Adam(model.Parameters(), lr: 1e-3f);
        var losses = new List<float>();
        for (int step = 0; step < 8; step++)
        {
            using var scope = new TensorScope();
            int start = (step % 4) * 16;
            var x = Tensor.From(images[(start * 784)..((start + 16) * 784)], [16, 784], device: device);
            var y = Tensor.From(labels[start..(start + 16)], [16], device);
            optimizer.ZeroGrad();
            var loss = F.CrossEntropy(model.Forward(x), y);
            loss.Backward();
            optimizer.Step();
            losses.Add(loss.Item());
        }

        foreach (var p in model.Parameters()) Assert.Equal(device, p.Device);
        return losses.ToArray();
    }
}
