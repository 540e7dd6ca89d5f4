using Autograd.Cluster.Client.Safetensors;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Serialization;
using Xunit;

namespace Autograd.Cluster.Client.Tests.Safetensors;

public sealed class SafetensorsWriterTests
{
    [Fact]
    public async Task WriteEntryAsync_FloatAndInt64Entries_ReadBackByTheEngineWithTheirDtypes()
    {
        ParameterEntry[] entries =
        [
            new("0.weight", [2, 3], 0, false, "float32"),
            new("1.num_batches_tracked", [], 6, true, "int64"),
            new("1.running_mean", [3], 7, true, "float32"),
        ];
        using var stream = new MemoryStream();

        var writer = await SafetensorsWriter.StartAsync(stream, entries, new Dictionary<string, string> { ["format"] = "pt" }, TestContext.Current.CancellationToken);
        await writer.WriteEntryAsync(new float[] { 1, -2, 3.5f, 4, 5, 6 }, TestContext.Current.CancellationToken);
        await writer.WriteEntryAsync(new float[] { 1234 }, TestContext.Current.CancellationToken);
        await writer.WriteEntryAsync(new float[] { 0.25f, 0.5f, 0.75f }, TestContext.Current.CancellationToken);
        stream.Position = 0;
        var (tensors, metadata) = SafetensorsFormat.Read(stream);

        Assert.Equal(["0.weight", "1.num_batches_tracked", "1.running_mean"], tensors.Select(t => t.Name));
        Assert.Equal(SafetensorsDType.F32, tensors[0].DType);
        Assert.Equal([1f, -2, 3.5f, 4, 5, 6], tensors[0].ToFloat32());
        Assert.Equal(SafetensorsDType.I64, tensors[1].DType);
        Assert.Empty(tensors[1].Shape);
        Assert.Equal([1234L], tensors[1].ToInt64());
        Assert.Equal([0.25f, 0.5f, 0.75f], tensors[2].ToFloat32());
        Assert.Equal("pt", metadata["format"]);
        // The header (after its 8-byte length) is padded to a multiple of 8 bytes, as the reference writer does.
        Assert.Equal(0, BitConverter.ToInt64(stream.ToArray(), 0) % 8);
    }

    [Fact]
    public async Task WriteEntryAsync_WrongValueCount_ThrowsNamingTheEntry()
    {
        using var stream = new MemoryStream();
        var writer = await SafetensorsWriter.StartAsync(stream, [new ParameterEntry("0.bias", [4], 0, false, "float32")], new Dictionary<string, string>(), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => writer.WriteEntryAsync(new float[3], TestContext.Current.CancellationToken));

        Assert.Contains("0.bias: 3 values for shape [4]", error.Message, StringComparison.Ordinal);
    }
}
