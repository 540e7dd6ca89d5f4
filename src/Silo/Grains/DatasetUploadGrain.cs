using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Uploads;
using Autograd.Cluster.Silo.Datasets;
using Autograd.Cluster.Silo.Hosting;

namespace Autograd.Cluster.Silo.Grains;

/// <summary>
/// Holds one uploaded dataset (key = upload id) in memory: see <see cref="IDatasetUploadGrain"/>. Every call keeps
/// the activation for <see cref="Retention"/> more, so an upload a client is still sending or jobs still read is not
/// collected as idle. The silo's <see cref="UploadBudget"/> bounds what all its uploads hold together, and
/// <see cref="TrainingLimits.MaxUploadBytes"/> what one upload may declare.
/// </summary>
public sealed class DatasetUploadGrain(UploadBudget budget, TrainingLimits limits) : Grain, IDatasetUploadGrain
{
    /// <summary>How long an upload outlives its last call.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private DatasetUploadState? _state;

    public Task<DatasetUploadInfo> BeginAsync(DatasetUploadHeader header)
    {
        Touch();
        if (_state is { Sealed: true }) throw new InvalidOperationException($"upload {Id} is sealed: delete it or use another id");
        Drop();
        var state = new DatasetUploadState(header, limits.MaxUploadBytes);
        if (!budget.TryReserve(state.Values))
            throw new JobSpecException("upload.samples", $"{state.Values} values do not fit: this silo's uploads already hold {budget.Used} of the {budget.Capacity} values they may; delete finished uploads or retry later");
        _state = state;
        return Task.FromResult(_state.Info(Id));
    }

    public Task<DatasetUploadInfo> AppendAsync(DatasetChunk chunk)
    {
        var state = Require();
        state.Append(chunk);
        return Task.FromResult(state.Info(Id));
    }

    public Task<DatasetUploadInfo> SealAsync()
    {
        var state = Require();
        state.Seal();
        return Task.FromResult(state.Info(Id));
    }

    public Task<DatasetUploadInfo> GetInfoAsync()
    {
        Touch();
        return Task.FromResult(_state?.Info(Id) ?? new DatasetUploadInfo { UploadId = Id });
    }

    public Task<FloatBlock> ReadValuesAsync(UploadPart part, long offset, int count)
    {
        var values = RequireSealed().Floats(part);
        CheckRange(values.Length, offset, count);
        return Task.FromResult(FloatBlock.From(values.AsSpan((int)offset, count)));
    }

    public Task<long[]> ReadLabelsAsync(UploadPart part, long offset, int count)
    {
        var labels = RequireSealed().Labels(part);
        CheckRange(labels.Length, offset, count);
        return Task.FromResult(labels.AsSpan((int)offset, count).ToArray());
    }

    public Task DeleteAsync()
    {
        Drop();
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Drop();
        return Task.CompletedTask;
    }

    private string Id => this.GetPrimaryKeyString();

    private void Drop()
    {
        if (_state is { } state) budget.Release(state.Values);
        _state = null;
    }

    private DatasetUploadState Require()
    {
        Touch();
        return _state ?? throw new InvalidOperationException($"upload {Id} has not begun: call BeginAsync with its header first");
    }

    private DatasetUploadState RequireSealed()
    {
        var state = Require();
        return state.Sealed ? state : throw new InvalidOperationException($"upload {Id} is not sealed yet");
    }

    private void Touch() => DelayDeactivation(Retention);

    private static void CheckRange(int length, long offset, int count)
    {
        if (offset < 0 || count < 0 || count > DatasetUploadHeader.MaxChunkValues || offset + count > length)
            throw new ArgumentOutOfRangeException(nameof(count), $"cannot read {count} values at {offset} of {length} (at most {DatasetUploadHeader.MaxChunkValues} per read)");
    }
}
