using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Contracts.Status;
using Autograd.Cluster.Silo.Tests.Support;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Chaos;

/// <summary>
/// SIGKILL of the silo process that hosts a job's coordinator, after the job wrote a few checkpoints: the coordinator
/// is activated again on a live silo and the job goes on from its last checkpoint (not from step 0), and ends with the
/// accuracy of an undisturbed run.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed partial class CoordinatorKillTests
{
    [Fact]
    public async Task Job_SiloOfTheCoordinatorKilled_ResumesFromTheLastCheckpointOnAnotherSilo()
    {
        await using var cluster = await ChaosCluster.StartAsync();
        var spec = ChaosSpecs.Paced(epochs: 2);
        var reference = Task.Run(() => UndisturbedReference.Run(spec), TestContext.Current.CancellationToken);
        string id = await cluster.SubmitAsync(spec);
        // Mid-interval, past two checkpoints: the steps since the last one are lost with the coordinator and run again.
        var before = await cluster.WaitAsync(
            id, s => s.State == JobState.Running && s.LastCheckpointStep >= 2 * spec.CheckpointInterval && s.Step >= s.LastCheckpointStep + (spec.CheckpointInterval / 2), TimeSpan.FromSeconds(180), "two checkpoints and half an interval");
        Assert.True(before.State == JobState.Running, $"{JobRunner.Describe(before)}{Environment.NewLine}{cluster.Output()}");

        var victim = cluster.ProcessOf(before.CoordinatorSilo);
        var clock = Stopwatch.StartNew();
        cluster.Cluster.Kill(victim);
        var resumed = await cluster.WaitAsync(
            id, s => s.Recoveries > before.Recoveries && s.State == JobState.Running && s.Step > (s.LastCheckpointStep ?? 0), TimeSpan.FromSeconds(180), "the next step after the kill");
        var toNextStep = clock.Elapsed;
        var ended = await cluster.WaitAsync(id, s => s.IsFinished, TimeSpan.FromSeconds(240), "the end of the job");
        var undisturbed = await reference;
        double drift = undisturbed.MaxAbsoluteDifference(await cluster.Grains.GetGrain<ITrainingJobGrain>(id).DownloadStateDictAsync());

        var reactivated = ended.Events.LastOrDefault(e => e.Kind == "recovering" && e.Message.StartsWith("coordinator re-activated on ", StringComparison.Ordinal));
        long from = reactivated is null ? -1 : ContinuedFrom(reactivated.Message);
        ChaosFigures.Record(
            "coordinator kill",
            $"killed {victim.Process.Name} (coordinator) at step {before.Step} (last checkpoint {before.LastCheckpointStep}); coordinator back on {ended.CoordinatorSilo}, " +
            $"continued from step {from}; next step {toNextStep.TotalSeconds:0.0} s after the kill; {Math.Max(0, before.Step - from)} step(s) redone (at least); " +
            $"final step {ended.Step}/{ended.TotalSteps}; test accuracy {ended.TestAccuracy:P2} (undisturbed {undisturbed.TestAccuracy:P2}); max |parameter - undisturbed| {drift:G3}");

        Assert.True(ended.State == JobState.Completed, $"{JobRunner.Describe(ended)}{Environment.NewLine}{cluster.Output()}");
        Assert.NotNull(reactivated);
        Assert.NotEqual(before.CoordinatorSilo, ended.CoordinatorSilo);
        // From the checkpoint the job had when the silo died (or a later one written just before), never from the start.
        Assert.True(from >= before.LastCheckpointStep!.Value && from > 0, $"continued from step {from}, the last checkpoint before the kill was at step {before.LastCheckpointStep}");
        Assert.Contains(RecoveryEvent.All(ended), r => r.FromStep == from);
        Assert.Equal(ended.TotalSteps, ended.Step);
        Assert.Equal(ended.TotalSteps, ended.LastCheckpointStep);
        Assert.True(drift < 1e-4, $"the parameters differ from the undisturbed run's by up to {drift}: a step was lost or applied twice");
        Assert.True(Math.Abs(ended.TestAccuracy!.Value - undisturbed.TestAccuracy) <= 0.01, $"test accuracy {ended.TestAccuracy:P2} after the kill, {undisturbed.TestAccuracy:P2} undisturbed");
    }

    /// <summary>The step in "coordinator re-activated on S: continuing from the checkpoint at step N" (0 for the initial parameters).</summary>
    internal static long ContinuedFrom(string message)
    {
        var m = CheckpointStep().Match(message);
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"continuing from the checkpoint at step (\d+)")]
    private static partial Regex CheckpointStep();
}
