using System.Diagnostics;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using StackExchange.Redis;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Chaos;

/// <summary>
/// SIGKILL of Redis (membership table, job records, checkpoints, job registry) mid-job, started again on the same port
/// a few seconds later with its append-only file: the silos keep training through the outage (a checkpoint that
/// cannot be written is skipped, the next one is written), and nothing stored before the kill is lost.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class RedisRestartTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Job_RedisKilledAndRestarted_CompletesWithItsHistoryAndCheckpoints()
    {
        await using var cluster = await ChaosCluster.StartAsync();
        var spec = ChaosSpecs.Paced(epochs: 2);
        var reference = Task.Run(() => UndisturbedReference.Run(spec), TestContext.Current.CancellationToken);
        string id = await cluster.SubmitAsync(spec);
        var before = await cluster.WaitAsync(
            id, s => s.State == JobState.Running && s.LastCheckpointStep >= spec.CheckpointInterval && s.Step >= s.LastCheckpointStep + (spec.CheckpointInterval / 2), TimeSpan.FromSeconds(180), "a checkpoint and half an interval");
        Assert.True(before.State == JobState.Running, $"{JobRunner.Describe(before)}{Environment.NewLine}{cluster.Output()}");
        var stored = await KeysAsync(cluster.Cluster.Redis.ConnectionString);

        var clock = Stopwatch.StartNew();
        cluster.Cluster.Redis.Kill();
        // The job goes on without Redis: steps need none of it.
        var during = await cluster.WaitAsync(id, s => s.Step > before.Step, TimeSpan.FromSeconds(60), "a step while Redis is down");
        var toNextStep = clock.Elapsed;
        var remaining = Outage - clock.Elapsed;
        if (remaining > TimeSpan.Zero) await Task.Delay(remaining, TestContext.Current.CancellationToken);
        var atRestart = await cluster.StatusAsync(id);
        await cluster.Cluster.Redis.RestartAsync(TestContext.Current.CancellationToken);
        var restartedAfter = clock.Elapsed;
        var restored = await KeysAsync(cluster.Cluster.Redis.ConnectionString);

        var ended = await cluster.WaitAsync(id, s => s.IsFinished, TimeSpan.FromSeconds(240), "the end of the job");
        var undisturbed = await reference;
        double drift = undisturbed.MaxAbsoluteDifference(await cluster.Grains.GetGrain<ITrainingJobGrain>(id).DownloadStateDictAsync());
        var registry = cluster.Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);
        // Checkpoint slices are the only records the job deletes (the previous checkpoint's, once a new one is written).
        var lost = stored.Except(restored).Where(k => !k.Contains("autograd-checkpoint", StringComparison.Ordinal)).ToList();
        var failedCheckpoints = ended.Events.Count(e => e.Kind == "checkpoint-failed");

        ChaosFigures.Record(
            "redis restart",
            $"killed redis at step {before.Step} (last checkpoint {before.LastCheckpointStep}), restarted {restartedAfter.TotalSeconds:0.0} s later at step {atRestart.Step}; " +
            $"next step {toNextStep.TotalSeconds:0.00} s after the kill (step {during.Step}); {ended.Recoveries} recoveries, {ended.RedoneSteps} step(s) redone; " +
            $"{failedCheckpoints} checkpoint(s) skipped; {stored.Count} keys before the kill, {restored.Count} after the restart, {lost.Count} lost; " +
            $"final step {ended.Step}/{ended.TotalSteps}; test accuracy {ended.TestAccuracy:P2} (undisturbed {undisturbed.TestAccuracy:P2}); max |parameter - undisturbed| {drift:G3}");

        Assert.True(ended.State == JobState.Completed, $"{JobRunner.Describe(ended)}{Environment.NewLine}{cluster.Output()}");
        Assert.Empty(lost);
        // The history before the kill is all there, in order.
        Assert.Equal(before.Events.Select(e => (e.Timestamp, e.Kind, e.Message)), ended.Events.Take(before.Events.Length).Select(e => (e.Timestamp, e.Kind, e.Message)));
        Assert.Equal(ended.TotalSteps, ended.Step);
        Assert.Equal(ended.TotalSteps, ended.LastCheckpointStep);
        Assert.Contains(await registry.ListAsync(), r => r.JobId == id);
        Assert.Empty(await cluster.StillActiveAsync(id));
        Assert.True(drift < 1e-4, $"the parameters differ from the undisturbed run's by up to {drift}: a step was lost or applied twice");
        Assert.True(Math.Abs(ended.TestAccuracy!.Value - undisturbed.TestAccuracy) <= 0.01, $"test accuracy {ended.TestAccuracy:P2}, {undisturbed.TestAccuracy:P2} undisturbed");
    }

    private static async Task<HashSet<string>> KeysAsync(string connectionString)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var key in server.KeysAsync(pattern: "*")) keys.Add(key.ToString());
        return keys;
    }
}
