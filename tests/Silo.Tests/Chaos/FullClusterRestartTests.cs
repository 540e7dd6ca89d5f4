using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Chaos;

/// <summary>
/// SIGKILL of every silo while two jobs train, then the same silos started again: with no call from any client, the
/// silos' job resumer (Hosting/ActiveJobResumer) reads the registry's active jobs from Redis and activates their
/// coordinators, which go on from their last checkpoints; both jobs complete as undisturbed runs do.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class FullClusterRestartTests
{
    [Fact]
    public async Task Jobs_EverySiloKilledAndRestarted_ResumeFromTheirCheckpointsWithoutAClientCall()
    {
        await using var cluster = await ChaosCluster.StartAsync();
        var token = TestContext.Current.CancellationToken;
        var specs = new[] { ChaosSpecs.Paced(epochs: 2, seed: 7), ChaosSpecs.Paced(epochs: 2, seed: 8) };
        var references = specs.Select(spec => Task.Run(() => UndisturbedReference.Run(spec), token)).ToArray();
        var ids = new List<string>();
        foreach (var spec in specs) ids.Add(await cluster.SubmitAsync(spec));
        var before = new List<JobStatus>();
        for (int j = 0; j < ids.Count; j++)
        {
            int interval = specs[j].CheckpointInterval;
            before.Add(await cluster.WaitAsync(
                ids[j], s => s.State == JobState.Running && s.LastCheckpointStep >= interval && s.Step >= s.LastCheckpointStep + (interval / 2), TimeSpan.FromSeconds(180), $"job {j}'s first checkpoint and half an interval"));
        }

        // Both jobs are past a checkpoint; the statuses read now may be a few steps behind the kill.
        before = [.. await Task.WhenAll(ids.Select(id => cluster.StatusAsync(id)))];
        Assert.All(before, s => Assert.True(s.State == JobState.Running, $"{JobRunner.Describe(s)}{Environment.NewLine}{cluster.Output()}"));
        var clock = Stopwatch.StartNew();
        cluster.Cluster.KillAll();
        await cluster.Cluster.RestartKilledSilosAsync(token);
        var restartedAfter = clock.Elapsed;

        // No job call until the silos themselves have activated both coordinators.
        var management = cluster.Grains.GetGrain<IManagementGrain>(0);
        var activatedAfter = await WaitForCoordinatorsAsync(cluster, management, ids, clock);
        var resumed = new List<(JobStatus Status, TimeSpan NextStep)>();
        foreach (var (id, j) in ids.Select((id, j) => (id, j)))
        {
            var status = await cluster.WaitAsync(
                id, s => s.Recoveries > before[j].Recoveries && s.State == JobState.Running && s.Step > (s.LastCheckpointStep ?? 0), TimeSpan.FromSeconds(180), $"job {j}'s next step after the restart");
            resumed.Add((status, clock.Elapsed));
        }

        var ended = new List<JobStatus>();
        foreach (var id in ids) ended.Add(await cluster.WaitAsync(id, s => s.IsFinished, TimeSpan.FromSeconds(240), $"the end of job {id}"));

        for (int j = 0; j < ids.Count; j++)
        {
            var undisturbed = await references[j];
            var end = ended[j];
            double drift = undisturbed.MaxAbsoluteDifference(await cluster.Grains.GetGrain<ITrainingJobGrain>(ids[j]).DownloadStateDictAsync());
            var reactivated = end.Events.LastOrDefault(e => e.Kind == "recovering" && e.Message.StartsWith("coordinator re-activated on ", StringComparison.Ordinal));
            long from = reactivated is null ? -1 : CoordinatorKillTests.ContinuedFrom(reactivated.Message);
            var recovered = RecoveryEvent.All(end).LastOrDefault();
            ChaosFigures.Record(
                "full restart",
                $"job {j}: every silo killed at step {before[j].Step} (last checkpoint {before[j].LastCheckpointStep}); silos active again {restartedAfter.TotalSeconds:0.0} s after the kill, " +
                $"coordinators activated by the silos {activatedAfter.TotalSeconds:0.0} s after; continued from step {from} with {recovered?.Workers} worker(s); " +
                $"next step {resumed[j].NextStep.TotalSeconds:0.0} s after the kill; {Math.Max(0, before[j].Step - from)} step(s) redone (at least); final step {end.Step}/{end.TotalSteps}; " +
                $"test accuracy {end.TestAccuracy:P2} (undisturbed {undisturbed.TestAccuracy:P2}); max |parameter - undisturbed| {drift:G3}");

            Assert.True(end.State == JobState.Completed, $"{JobRunner.Describe(end)}{Environment.NewLine}{cluster.Output()}");
            Assert.NotNull(reactivated);
            Assert.True(from >= before[j].LastCheckpointStep!.Value && from > 0, $"job {j} continued from step {from}; its last checkpoint before the kill was at step {before[j].LastCheckpointStep}");
            Assert.Equal(end.TotalSteps, end.Step);
            Assert.Equal(end.TotalSteps, end.LastCheckpointStep);
            Assert.True(drift < 1e-4, $"job {j}: the parameters differ from the undisturbed run's by up to {drift}: a step was lost or applied twice");
            Assert.True(Math.Abs(end.TestAccuracy!.Value - undisturbed.TestAccuracy) <= 0.01, $"job {j}: test accuracy {end.TestAccuracy:P2}, {undisturbed.TestAccuracy:P2} undisturbed");
        }

        Assert.Empty(await cluster.StillActiveAsync([.. ids]));
    }

    /// <summary>Waits until a coordinator activation of every job exists (the management grain lists activations without creating any).</summary>
    private static async Task<TimeSpan> WaitForCoordinatorsAsync(ChaosCluster cluster, IManagementGrain management, IReadOnlyList<string> ids, Stopwatch clock)
    {
        var limit = clock.Elapsed + TimeSpan.FromSeconds(120);
        while (true)
        {
            var statistics = await management.GetDetailedGrainStatistics();
            var active = statistics.Where(s => s.GrainType.Contains(nameof(Silo.Grains.TrainingJobGrain), StringComparison.Ordinal)).Select(s => s.GrainId.Key.ToString()).ToHashSet();
            if (ids.All(active.Contains)) return clock.Elapsed;
            if (clock.Elapsed > limit)
                throw new TimeoutException($"the restarted silos activated {active.Count(ids.Contains)} of {ids.Count} coordinators within 120 s{Environment.NewLine}{cluster.Output()}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }
}
