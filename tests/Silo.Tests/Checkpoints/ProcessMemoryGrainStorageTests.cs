using Autograd.Cluster.Silo.Checkpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Checkpoints;

public sealed class ProcessMemoryGrainStorageTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public async Task WriteThenRead_AnotherInstanceOfTheSameCluster_SeesACopyOfTheValue()
    {
        var id = GrainId.Create("test", Guid.NewGuid().ToString("N"));
        var cluster = Cluster();
        long[] written = [1, 2, 3];
        await new ProcessMemoryGrainStorage(Serializer, cluster).WriteStateAsync("s", id, new GrainState<long[]>(written));
        written[0] = 99;

        var read = new GrainState<long[]>();
        await new ProcessMemoryGrainStorage(Serializer, cluster).ReadStateAsync("s", id, read);

        Assert.True(read.RecordExists);
        Assert.Equal([1L, 2, 3], read.State!);
        Assert.NotNull(read.ETag);
    }

    [Fact]
    public async Task Read_FromAnotherCluster_FindsNothing()
    {
        var id = GrainId.Create("test", Guid.NewGuid().ToString("N"));
        await new ProcessMemoryGrainStorage(Serializer, Cluster()).WriteStateAsync("s", id, new GrainState<int>(5));

        var read = new GrainState<int>();
        await new ProcessMemoryGrainStorage(Serializer, Cluster()).ReadStateAsync("s", id, read);

        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task Write_WithAStaleETag_IsRefused()
    {
        var id = GrainId.Create("test", Guid.NewGuid().ToString("N"));
        var storage = new ProcessMemoryGrainStorage(Serializer, Cluster());
        var first = new GrainState<int>(1);
        await storage.WriteStateAsync("s", id, first);
        await storage.WriteStateAsync("s", id, new GrainState<int>(2) { ETag = first.ETag });

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", id, new GrainState<int>(3) { ETag = first.ETag }));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", id, new GrainState<int>(3)));
    }

    private static IOptions<ClusterOptions> Cluster() =>
        Options.Create(new ClusterOptions { ServiceId = "tests", ClusterId = Guid.NewGuid().ToString("N") });
}
