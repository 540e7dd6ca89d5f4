using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Chaos;

/// <summary>
/// A long job (<see cref="ChaosSpecs.Paced"/>) on three silo processes while a seeded random silo that runs part of
/// it (a worker, or the coordinator) is killed with SIGKILL every 20-40 s, five times, each followed by a restart of the
/// same silo (as an orchestrator restarts a crashed pod, so the cluster keeps three silos). The job completes with the parameters and the test
/// accuracy of an undisturbed run: no step was applied twice or lost.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class RandomSiloKillTests
{
    private const int Kills = 5;
    private const int Seed = 20261126;
    private static readonly TimeSpan ShortestInterval = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan LongestInterval = TimeSpan.FromSeconds(40);

    /// <summary>Training time planned beyond the last kill, so the job still runs when it comes (recoveries only add to it).</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Job_RandomSiloKilledFiveTimes_CompletesWithTheParametersOfAnUndisturbedRun()
    {
        await using var cluster = await ChaosCluster.StartAsync();
        var token = TestContext.Current.CancellationToken;
        var random = new Random(Seed);
        var intervals = Enumerable.Range(0, Kills).Select(_ => ShortestInterval + ((LongestInterval - ShortestInterval) * random.NextDouble())).ToArray();

        // At least as long as the kills take, at the fastest a step can run (the job is paced: see ChaosSpecs).
        var planned = intervals.Aggregate(TimeSpan.Zero, (a, b) => a + b) + Margin;
        var spec = ChaosSpecs.Paced(epochs: (int)Math.Ceiling(planned / ChaosSpecs.ReadDelay / ChaosSpecs.StepsPerEpoch));
        var reference = Task.Run(() => UndisturbedReference.Run(spec), token);

        string id = await cluster.SubmitAsync(spec);
        await cluster.WaitAsync(id, s => s.State == JobState.Running && s.LastCheckpointStep > 0, TimeSpan.FromSeconds(120), "the first checkpoint");
        var kills = new List<string>();
        var clock = Stopwatch.StartNew();
        var nextKill = intervals[0];
        for (int k = 0; k < Kills; k++)
        {
            var wait = nextKill - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, token);
            var before = await cluster.StatusAsync(id);
            Assert.False(before.IsFinished, $"the job ended after {k} of {Kills} kills (planned for at least {planned.TotalSeconds:0} s): {JobRunner.Describe(before)}");

            // A silo that runs part of the job: one of its workers' silos or the coordinator's, drawn with the seed.
            var members = before.Workers.Select(w => w.Silo).Append(before.CoordinatorSilo).Distinct().Order(StringComparer.Ordinal).ToList();
            string victimSilo = members[random.Next(members.Count)];
            string role = victimSilo == before.CoordinatorSilo
                ? before.Workers.Any(w => w.Silo == victimSilo) ? "coordinator and worker" : "coordinator"
                : "worker";
            var victim = cluster.ProcessOf(victimSilo);
            var killedAt = clock.Elapsed;
            cluster.Cluster.Kill(victim);
            if (k + 1 < Kills) nextKill = killedAt + intervals[k + 1];

            var resumed = await cluster.WaitAsync(
                id, s => s.Recoveries > before.Recoveries && s.State == JobState.Running && s.Step > (s.LastCheckpointStep ?? 0), TimeSpan.FromSeconds(180), $"the next step after kill {k + 1}");
            var toNextStep = clock.Elapsed - killedAt;
            await cluster.Cluster.RestartSiloAsync(victim, token);
            var recovery = RecoveryEvent.All(resumed).LastOrDefault();
            long from = recovery?.FromStep ?? -1;
            string line = $"kill {k + 1}: {victim.Process.Name} ({role}) at step {before.Step} (last checkpoint {before.LastCheckpointStep}); " +
                $"recovered from step {from} with {recovery?.Workers} worker(s); next step {toNextStep.TotalSeconds:0.0} s after the kill; " +
                $"{Math.Max(0, before.Step - from)} step(s) redone (at least), job's count {resumed.RedoneSteps}; silo restarted {(clock.Elapsed - killedAt).TotalSeconds:0.0} s after the kill";
            kills.Add(line);
            ChaosFigures.Record("random kills", line);
            Assert.True(from >= (before.LastCheckpointStep ?? 0), $"kill {k + 1}: recovered from step {from}, but the last checkpoint before the kill was at step {before.LastCheckpointStep}");
        }

        var ended = await cluster.WaitAsync(id, s => s.IsFinished, TimeSpan.FromSeconds(600), "the end of the job");
        var undisturbed = await reference;
        double drift = undisturbed.MaxAbsoluteDifference(await cluster.Grains.GetGrain<ITrainingJobGrain>(id).DownloadStateDictAsync());
        var recoveries = RecoveryEvent.All(ended);
        ChaosFigures.Record(
            "random kills",
            $"{Kills} kills ({string.Join(", ", intervals.Select(i => $"{i.TotalSeconds:0} s"))} apart, seed {Seed}) during a {spec.Epochs}-epoch job of {ended.TotalSteps} steps " +
            $"(at least {planned.TotalSeconds:0} s at {ChaosSpecs.ReadDelay.TotalMilliseconds:0} ms a step); {ended.Recoveries} recoveries, {ended.RedoneSteps} step(s) redone by the job's count; final step {ended.Step}/{ended.TotalSteps}, " +
            $"last checkpoint {ended.LastCheckpointStep}; test accuracy {ended.TestAccuracy:P2} (undisturbed {undisturbed.TestAccuracy:P2}); max |parameter - undisturbed| {drift:G3}");

        Assert.True(ended.State == JobState.Completed, $"{string.Join(Environment.NewLine, kills)}{Environment.NewLine}{JobRunner.Describe(ended)}{Environment.NewLine}{cluster.Output()}");
        Assert.True(ended.Recoveries >= Kills, $"{ended.Recoveries} recoveries for {Kills} kills");
        // Every step ran to the end once more than it was redone; the counters and the last checkpoint agree.
        Assert.Equal(ended.TotalSteps, ended.Step);
        Assert.Equal(ended.TotalSteps, ended.LastCheckpointStep);
        Assert.Equal(recoveries.Select(r => r.RedoneSoFar).Order(), recoveries.Select(r => r.RedoneSoFar));
        Assert.Equal(ended.RedoneSteps, recoveries.Count == 0 ? 0 : recoveries[^1].RedoneSoFar);
        Assert.True(drift < 1e-4, $"the parameters differ from the undisturbed run's by up to {drift}: a step was lost or applied twice");
        Assert.True(Math.Abs(ended.TestAccuracy!.Value - undisturbed.TestAccuracy) <= 0.01, $"test accuracy {ended.TestAccuracy:P2} after {Kills} kills, {undisturbed.TestAccuracy:P2} undisturbed");
    }
}
