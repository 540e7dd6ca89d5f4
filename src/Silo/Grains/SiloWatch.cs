using Orleans.Runtime.Placement;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// The coordinator's view of the silos its job uses. It follows Orleans membership (<see cref="Lost"/> completes as
/// soon as membership declares a watched silo dead or shutting down), and, when a step fails or times out before
/// membership has decided, probes each watched silo directly (a management call to the silo itself, answered by its
/// runtime rather than by the job's busy grains). A silo that does not answer twice is declared dead through
/// <see cref="IClusterMembershipService.TryKill"/>, so placement and the grain directory stop using it at once
/// instead of after membership's own missed-probe votes (tens of seconds with the defaults); but only when the
/// coordinator's own silo (<paramref name="self"/>) answered the same probe in the same round: the probe goes through
/// the management grain, whose placement and messaging can falter for a few seconds after a silo dies (its part of the
/// grain directory is being recovered), and then it is the probe that failed, not the silo. That is the likeliest
/// reading of two CI runs that declared a live silo dead beside the one killed (the first silo probed, both times).
/// </summary>
internal sealed class SiloWatch(IClusterMembershipService membership, IGrainFactory grains, TimeProvider time, string self) : IDisposable
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<SiloAddress> _killed = [];
    private HashSet<string> _watched = [];
    private TaskCompletionSource<IReadOnlyList<string>> _lost = NewLost();

    /// <summary>The silos watched now.</summary>
    public IReadOnlyCollection<string> Watched => _watched;

    /// <summary>Completes with the watched silos membership declared gone (since the last <see cref="Watch"/>).</summary>
    public Task<IReadOnlyList<string>> Lost => _lost.Task;

    /// <summary>Starts following membership updates (on the calling grain's scheduler).</summary>
    public void Start() => _ = FollowAsync();

    /// <summary>Watches <paramref name="silos"/> (as <c>SiloAddress.ToString()</c> writes them) from now on.</summary>
    public void Watch(IEnumerable<string> silos)
    {
        _watched = silos.ToHashSet(StringComparer.Ordinal);
        _lost = NewLost();
        Check(membership.CurrentSnapshot);
    }

    /// <summary>The active silos, in address order, less those this watch found dead.</summary>
    public IReadOnlyList<SiloAddress> LiveSilos() =>
        membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !_killed.Contains(m.SiloAddress))
            .Select(m => m.SiloAddress)
            .OrderBy(a => a.ToParsableString(), StringComparer.Ordinal)
            .ToList();

    /// <summary>The address of a silo named as <c>SiloAddress.ToString()</c> writes it (null if membership does not know it).</summary>
    public SiloAddress? Find(string silo) =>
        membership.CurrentSnapshot.Members.Keys.FirstOrDefault(a => a.ToString() == silo);

    /// <summary>
    /// The watched silos that are gone: not active in membership, or not answering a direct probe while this silo
    /// answers its own (then declared dead). Every silo is probed at once.
    /// </summary>
    public async Task<IReadOnlyList<string>> FindLostAsync()
    {
        var lost = new List<string>();
        var snapshot = membership.CurrentSnapshot;
        var active = new List<(string Name, SiloAddress Address)>();
        foreach (string silo in _watched.Order(StringComparer.Ordinal))
        {
            if (Find(silo) is { } address && snapshot.GetSiloStatus(address) == SiloStatus.Active) active.Add((silo, address));
            else lost.Add(silo);
        }

        var own = Find(self);
        var probes = active.Select(a => ProbeAsync(a.Address)).ToArray();
        var control = own is null ? Task.FromResult(false) : active.FindIndex(a => a.Address.Equals(own)) is var i and >= 0 ? probes[i] : ProbeAsync(own);
        await Task.WhenAll(probes.Append(control));
        if (control.Result)
            lost.AddRange(active.Where((_, p) => !probes[p].Result).Select(a => a.Name));
        foreach (string silo in lost)
        {
            if (Find(silo) is { } address) await KillAsync(address);
        }

        return lost.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Waits (at most <paramref name="limit"/>) until this silo's membership view no longer lists a silo this watch
    /// declared dead as active: until then the grain directory may still route new activations through it.
    /// </summary>
    public async Task SettleAsync(TimeSpan limit)
    {
        long started = time.GetTimestamp();
        while (_killed.Any(k => membership.CurrentSnapshot.GetSiloStatus(k) == SiloStatus.Active) && time.GetElapsedTime(started) < limit)
        {
            try
            {
                await membership.Refresh(default, CancellationToken.None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The table may be briefly unreachable; poll again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time);
        }
    }

    /// <summary>Whether <paramref name="error"/> (or an inner one) says a silo could not be reached.</summary>
    public static bool IsUnreachable(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException) return true;
        }

        return false;
    }

    /// <summary>Makes <paramref name="call"/> with a placement hint, so a new activation goes to <paramref name="silo"/> (null: no hint).</summary>
    public static Task<T> Placed<T>(SiloAddress? silo, Func<Task<T>> call)
    {
        if (silo is null) return call();
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            return call();
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    /// <inheritdoc cref="Placed{T}"/>
    public static Task Placed(SiloAddress? silo, Func<Task> call) => Placed(silo, async () =>
    {
        await call();
        return true;
    });

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private static TaskCompletionSource<IReadOnlyList<string>> NewLost() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task FollowAsync()
    {
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(_stop.Token))
                Check(snapshot);
        }
        catch (OperationCanceledException)
        {
            // The coordinator is deactivating.
        }
    }

    private void Check(ClusterMembershipSnapshot snapshot)
    {
        var gone = snapshot.Members.Values
            .Where(m => m.Status is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping && _watched.Contains(m.SiloAddress.ToString()))
            .Select(m => m.SiloAddress.ToString())
            .ToList();
        if (gone.Count > 0) _lost.TrySetResult(gone);
    }

    private async Task KillAsync(SiloAddress silo)
    {
        _killed.Add(silo);
        try
        {
            await membership.TryKill(silo);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Membership will reach the same verdict by its own probes; placement already avoids the silo here.
        }
    }

    private async Task<bool> ProbeAsync(SiloAddress silo)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                await management.GetRuntimeStatistics([silo]).WaitAsync(ProbeTimeout, time);
                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Unreachable (connection refused, timeout): try once more before calling it dead.
            }
        }

        return false;
    }
}
