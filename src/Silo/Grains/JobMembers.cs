using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Messages;
using Autograd.Cluster.Silo.Checkpoints;
using Autograd.Cluster.Silo.Training;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The workers and shards of a job's current formation, and how a formation is made: a new generation of shards, then
/// the workers, on the silos <see cref="SiloWatch"/> finds live. A recovery keeps the workers whose silo is live.
/// </summary>
internal sealed class JobMembers(string jobId, IGrainFactory grains, SiloWatch watch, MemberBarrier barrier, BestEffortCleanup cleanup)
{
    private int _nextSlot;

    /// <summary>The workers by rank (empty when none is formed).</summary>
    public WorkerSlot[] Workers { get; private set; } = [];

    /// <summary>The shards of the current generation (empty when none is formed).</summary>
    public IParameterShardGrain[] Shards { get; private set; } = [];

    /// <summary>The slice of the flat parameters each of <see cref="Shards"/> holds.</summary>
    public ShardRange[] ShardRanges { get; private set; } = [];

    /// <summary>The generation of the shards: -1 before the job's first formation; every formation starts a new one.</summary>
    public int Generation { get; private set; } = -1;

    /// <summary>The slots the workers' keys name, by rank (for the job's record).</summary>
    public int[] WorkerSlots() => Workers.Select(w => w.Slot).ToArray();

    /// <summary>Goes on from a persisted record: its shard generation, and new worker slots past those it used.</summary>
    public void Reload(int generation, int[] workerSlots)
    {
        Generation = generation;
        _nextSlot = workerSlots.Length == 0 ? 0 : workerSlots.Max() + 1;
    }

    /// <summary>
    /// Sets up a generation of shards (restored from <paramref name="from"/>, or the initial parameters when null) and
    /// the workers: the first formation places them by the spread placement; a recovery keeps the live workers and
    /// places new ones and the shards on live silos, with at most one worker per live silo unless
    /// <paramref name="exactWorld"/> (a resume) asks for <paramref name="requestedWorkers"/> as they are. Answers the
    /// workers' setups by rank; the watch follows the silos of the new members.
    /// </summary>
    public async Task<WorkerInfo[]> FormAsync(JobPlan plan, JobCheckpoint? from, int requestedWorkers, bool recovering, bool exactWorld, TimeSpan timeout)
    {
        var spec = plan.Spec;
        Generation++;
        var live = watch.LiveSilos();
        if (live.Count == 0) throw new JobFailedException("no live silo to run the job on");
        // A recovery runs on at most one worker per live silo; a submit or a resume gets the workers it asked for.
        int world = recovering && !exactWorld ? Math.Min(requestedWorkers, live.Count) : requestedWorkers;
        var ranges = world == spec.Workers ? plan.Shards : ShardPartition.Split(plan.ParameterCount, spec.Shards, world);
        int generation = Generation;
        bool hinted = generation > 0;

        ShardRanges = ranges;
        Shards = ranges.Select(r => MemberKeys.Shard(grains, jobId, generation, r.Index)).ToArray();
        var shards = Shards;
        var shardSetups = new Task[ranges.Length];
        for (int s = 0; s < ranges.Length; s++)
        {
            var range = ranges[s];
            var setup = new ShardSetup
            {
                JobId = jobId,
                Range = range,
                WorldSize = world,
                Optimizer = spec.Optimizer,
                LrSchedule = spec.LrSchedule,
                InitialValues = from is null ? FloatBlock.From(plan.InitialParameters.AsSpan((int)range.Offset, range.Count)) : FloatBlock.Empty,
                Generation = generation,
                Parameters = plan.Layout.Entries.Where(e => !e.IsBuffer).ToArray(),
                Restore = from?.Shards,
                StartStep = from?.Step ?? 0,
            };
            shardSetups[s] = SiloWatch.Placed(hinted ? live[s % live.Count] : null, () => shards[s].InitializeAsync(setup));
        }

        // Until the members are known, a setup failure is checked against every live silo.
        watch.Watch(live.Select(s => s.ToString()));
        await barrier.WaitAsync(shardSetups, timeout, "setting up", i => $"shard {i}");
        var shardInfos = shards.Select(s => s.GetInfoAsync()).ToArray();
        await barrier.WaitAsync(shardInfos, timeout, "setting up", i => $"shard {i}");

        // Survivors (workers whose silo is live) keep their grains; new slots fill the live silos that have no worker.
        var survivors = recovering ? Workers.Where(w => live.Contains(w.Silo)).Take(world).ToList() : [];
        var free = new Queue<SiloAddress>(live.Where(s => survivors.All(w => w.Silo != s)));
        var members = new List<(IWorkerGrain Grain, int Slot, SiloAddress? Hint)>();
        foreach (var w in survivors) members.Add((w.Grain, w.Slot, null));
        while (members.Count < world)
        {
            int slot = _nextSlot++;
            SiloAddress? hint = hinted && free.Count > 0 ? free.Dequeue() : hinted ? live[slot % live.Count] : null;
            members.Add((MemberKeys.Worker(grains, jobId, slot), slot, hint));
        }

        var buffers = from is { Buffers.Count: > 0 } ? from.Buffers : null;
        var workerSetups = members.Select((m, rank) => SiloWatch.Placed(m.Hint, () => m.Grain.InitializeAsync(new WorkerSetup
        {
            JobId = jobId,
            Rank = rank,
            WorldSize = world,
            Spec = spec,
            Shards = ranges,
            ShardGeneration = generation,
            StartStep = from?.Step ?? 0,
            Buffers = buffers,
        }))).ToArray();
        await barrier.WaitAsync(workerSetups, timeout, "setting up", i => $"worker {i}");
        var infos = workerSetups.Select(t => t.Result).ToArray();
        Workers = members.Select((m, rank) => new WorkerSlot(m.Grain, m.Slot, watch.Find(infos[rank].Silo))).ToArray();
        watch.Watch(infos.Select(i => i.Silo).Concat(shardInfos.Select(i => i.Result.Silo)));
        return infos;
    }

    /// <summary>Stops the step in flight everywhere: shards fail their waiting reductions, workers stop waiting for them.</summary>
    public Task AbortAsync(string reason) =>
        cleanup.WaitAsync(Shards.Select(s => s.AbortAsync(reason)).Concat(Workers.Select(w => w.Grain.AbortAsync(reason))));

    /// <summary>Lets the workers, then the shards, go (the job has ended) and forgets them.</summary>
    public async Task ReleaseAsync()
    {
        await cleanup.WaitAsync(Workers.Select(w => w.Grain.ReleaseAsync()));
        await cleanup.WaitAsync(Shards.Select(s => s.ReleaseAsync()));
        Workers = [];
        Shards = [];
    }

    /// <summary>Aborts, then releases, the worker grains of <paramref name="slots"/>: those of a previous coordinator activation.</summary>
    public async Task ReleaseStaleAsync(int[] slots, string reason)
    {
        // The previous activation's workers may be stuck in a step waiting on a dead shard: abort, then release them.
        var stale = slots.Select(s => MemberKeys.Worker(grains, jobId, s)).ToArray();
        await cleanup.WaitAsync(stale.Select(w => w.AbortAsync(reason)));
        await cleanup.WaitAsync(stale.Select(w => w.ReleaseAsync()));
    }
}
