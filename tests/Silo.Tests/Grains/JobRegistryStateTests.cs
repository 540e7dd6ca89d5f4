using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Grains;

public sealed class JobRegistryStateTests
{
    [Fact]
    public void Admit_UpToTheLimit_AdmitsThenRefusesAndAnActiveJobAgain()
    {
        var state = new JobRegistryState();

        Assert.Equal((true, true), state.Admit("a", 2));
        Assert.Equal((true, true), state.Admit("b", 2));
        Assert.Equal((false, false), state.Admit("c", 2));
        // A resume or a re-activated coordinator of an active job is admitted whatever the limit.
        Assert.Equal((true, false), state.Admit("a", 2));
        Assert.Equal(["a", "b"], state.Active());
    }

    [Fact]
    public void End_ActiveJob_FreesItsPlaceAndUnknownIdsChangeNothing()
    {
        var state = new JobRegistryState();
        state.Admit("a", 1);

        Assert.False(state.End("unknown"));
        Assert.True(state.End("a"));
        Assert.Equal((true, true), state.Admit("b", 1));
        Assert.Equal(["b"], state.Active());
    }

    [Fact]
    public void Add_SameIdTwice_KeepsTheFirstAndDropsTheOldestBeyondTheMaximum()
    {
        var state = new JobRegistryState();
        var first = Registration("job-0", "first");

        Assert.True(state.Add(first));
        Assert.False(state.Add(Registration("job-0", "second")));
        for (int i = 1; i <= IJobRegistryGrain.MaxJobs; i++) state.Add(Registration($"job-{i}", ""));

        var all = state.All();
        Assert.Equal(IJobRegistryGrain.MaxJobs, all.Length);
        Assert.Equal("job-1", all[0].JobId);
        Assert.True(state.Add(first));
    }

    [Fact]
    public void Serializer_RoundTrip_KeepsJobsAndActiveSetAndRebuildsTheIndex()
    {
        using var services = new ServiceCollection().AddSerializer(s => s.AddAssembly(typeof(JobRegistryState).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var state = new JobRegistryState();
        state.Add(Registration("a", "one"));
        state.Admit("a", 0);

        var copy = serializer.Deserialize<JobRegistryState>(serializer.SerializeToArray(state));

        Assert.NotNull(copy);
        Assert.Equal(state.All(), copy.All());
        Assert.Equal(["a"], copy.Active());
        Assert.False(copy.Add(Registration("a", "again")));
    }

    private static JobRegistration Registration(string id, string description) =>
        new(id, DateTimeOffset.UnixEpoch, description);
}
