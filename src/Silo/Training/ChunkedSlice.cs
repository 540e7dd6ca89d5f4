using System.Numerics.Tensors;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Optim;

namespace Autograd.Cluster.Silo.Training;

/// <summary>
/// A shard's parameter slice held as one leaf tensor per <see cref="GradientChunks"/> chunk, under one optimizer, so
/// that each chunk can be updated (and answered) as soon as every rank's copy of it is averaged, while later chunks are
/// still on the wire: the gather of a step overlaps its reduce, as in a pipelined ring all-reduce. Every optimizer of
/// the engine is element-wise, so updating the chunks one by one gives the same values as updating the slice at once;
/// its state is kept per chunk and read and written here as the whole slice's (what checkpoints store by name).
/// Each chunk's values and gradient are arrays of this class that the tensors share (<see cref="Tensor.FromArray"/>):
/// the shard averages straight into <see cref="Gradient"/> and answers with <see cref="Values"/> itself, no copy.
/// </summary>
public sealed class ChunkedSlice : IDisposable
{
    private readonly float[][] _values;
    private readonly float[][] _gradientValues;
    private readonly Tensor[] _chunks;
    private readonly Tensor[] _gradients;
    private readonly int[] _offsets;

    /// <summary>The slice <paramref name="values"/>, cut as <see cref="GradientChunks"/> cuts a slice of that length.</summary>
    public ChunkedSlice(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Count = values.Length;
        int chunks = GradientChunks.CountFor(values.Length);
        _values = new float[chunks][];
        _gradientValues = new float[chunks][];
        _chunks = new Tensor[chunks];
        _gradients = new Tensor[chunks];
        _offsets = new int[chunks];
        for (int c = 0; c < chunks; c++)
        {
            var (offset, count) = GradientChunks.Range(values.Length, c);
            _offsets[c] = offset;
            _values[c] = values[offset..(offset + count)];
            _gradientValues[c] = new float[count];
            _chunks[c] = Tensor.FromArray(_values[c]).MoveToOuterScope().RequiresGrad_();
            _gradients[c] = Tensor.FromArray(_gradientValues[c]).MoveToOuterScope();
        }
    }

    /// <summary>Floats in the slice.</summary>
    public int Count { get; }

    /// <summary>The chunks' leaf tensors, in order: what the optimizer is built over.</summary>
    public IReadOnlyList<Tensor> Parameters => _chunks;

    /// <summary>Chunk <paramref name="chunk"/>'s gradient, to be written before <see cref="Step"/> (it keeps what was last written).</summary>
    public Span<float> Gradient(int chunk) => _gradientValues[chunk];

    /// <summary>
    /// Chunk <paramref name="chunk"/>'s live values: the optimizer's next step of the chunk overwrites them, so a reader
    /// must be done with them by then (a shard's contributors are: each sends the chunk's next gradient only once it has
    /// the answer of this step).
    /// </summary>
    public float[] Values(int chunk) => _values[chunk];

    /// <summary>
    /// One optimizer step of chunk <paramref name="chunk"/> alone with its <see cref="Gradient"/> (the other chunks have
    /// no gradient, so the optimizer skips them).
    /// </summary>
    public void Step(Optimizer optimizer, int chunk)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var parameter = _chunks[chunk];
        // Attached only for this chunk's step.
        parameter.Grad = _gradients[chunk];
        try
        {
            optimizer.Step();
        }
        finally
        {
            parameter.Grad = null;
        }
    }

    /// <summary>The L2 norm of the whole slice's <see cref="Gradient"/>s.</summary>
    public float GradientNorm()
    {
        double squares = 0;
        foreach (var g in _gradientValues) squares += TensorPrimitives.SumOfSquares<float>(g);
        return (float)Math.Sqrt(squares);
    }

    // Chunk <paramref name="chunk"/>'s values into the whole slice's array at the chunk's place.
    private void CopyChunkTo(int chunk, Span<float> slice) => _values[chunk].CopyTo(slice.Slice(_offsets[chunk], _values[chunk].Length));

    /// <summary>The whole slice's values.</summary>
    public float[] ToArray()
    {
        var values = new float[Count];
        for (int c = 0; c < _chunks.Length; c++) CopyChunkTo(c, values);
        return values;
    }

    /// <summary>
    /// The optimizer's state for the whole slice: the state tensor names, each name's values over the slice (a chunk
    /// without that state yet contributes zeros, as the optimizer would start it) and the step count (the chunks are
    /// stepped together, so chunk 0's).
    /// </summary>
    public (string[] Names, float[][] Values, long Step) OptimizerState(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var dict = optimizer.StateDict();
        try
        {
            var names = dict.State.Values.SelectMany(e => e.Keys).Where(k => k != "step").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            long step = dict.State.TryGetValue(0, out var first) && first.TryGetValue("step", out var s) ? (long)Math.Round(s.ItemDouble()) : 0;
            var values = names.Select(_ => new float[Count]).ToArray();
            for (int c = 0; c < _chunks.Length; c++)
            {
                if (!dict.State.TryGetValue(c, out var entries)) continue;
                for (int n = 0; n < names.Length; n++)
                    if (entries.TryGetValue(names[n], out var tensor)) tensor.CopyTo(values[n].AsSpan(_offsets[c], _values[c].Length));
            }

            return (names, values, step);
        }
        finally
        {
            // Only "step" is a new tensor; the others are views of the live state, which the optimizer still owns.
            foreach (var entries in dict.State.Values)
                if (entries.TryGetValue("step", out var scalar)) scalar.Dispose();
        }
    }

    /// <summary>
    /// Loads a whole slice's optimizer state (as <see cref="OptimizerState"/> returns it) into <paramref name="optimizer"/>,
    /// built over <see cref="Parameters"/>; its hyper-parameters stay as they are.
    /// </summary>
    /// <exception cref="ArgumentException">A state array's length is not the slice's.</exception>
    public void LoadOptimizerState(Optimizer optimizer, string[] names, float[][] values, long step)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        if (names.Length == 0 && step == 0) return;
        if (values.Length != names.Length || values.Any(v => v.Length != Count))
            throw new ArgumentException($"ChunkedSlice: optimizer state of {values.Length} arrays ({string.Join(", ", values.Select(v => v.Length))} floats) for {names.Length} names over a slice of {Count}", nameof(values));
        var state = new Dictionary<int, IReadOnlyDictionary<string, Tensor>>();
        try
        {
            for (int c = 0; c < _chunks.Length; c++)
            {
                int count = _values[c].Length;
                var entries = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                state[c] = entries;
                if (step > 0) entries["step"] = Tensor.Scalar(step, DType.Int64);
                for (int n = 0; n < names.Length; n++) entries[names[n]] = Tensor.From(values[n][_offsets[c]..(_offsets[c] + count)], [count]);
            }

            var current = optimizer.StateDict();
            foreach (var entries in current.State.Values)
                if (entries.TryGetValue("step", out var scalar)) scalar.Dispose();
            optimizer.LoadStateDict(new OptimizerStateDict(state, current.ParamGroups));
        }
        finally
        {
            foreach (var entries in state.Values)
                foreach (var t in entries.Values) t.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var g in _gradients) g.Dispose();
        foreach (var t in _chunks) t.Dispose();
    }
}
