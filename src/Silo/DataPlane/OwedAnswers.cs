using System.Collections.Concurrent;

namespace Autograd.Cluster.Silo.DataPlane;

/// <summary>
/// The answers this silo's data-plane connections owe their peers, which a shard sends itself the moment it applies a
/// chunk (<see cref="TrySend"/>, in the call that applies it). Otherwise an answer goes back as the result of the
/// connection's grain call, through Orleans' response and a thread-pool continuation of the connection, and on a silo
/// with one core that continuation waits behind whatever the thread runs first: the silo's own worker, whose answer
/// came in the same moment and which starts its next forward pass at once. The other silo's worker then waits a whole
/// forward and backward for its answer (a step timeline of the 2-silo MLP showed it in about one step in six, ~0.9 ms
/// each time). An answer nobody sent this way (no connection expects it; the shard was reached by another route)
/// still goes back as the call's result.
/// </summary>
public sealed class OwedAnswers
{
    private readonly ConcurrentDictionary<AnswerKey, OwedAnswer> _owed = new();

    /// <summary>How many answers are expected and not yet sent or given up (for tests).</summary>
    internal int Count => _owed.Count;

    /// <summary>
    /// Registers the answer to the chunk at <paramref name="offset"/> of shard <paramref name="shardKey"/> that rank
    /// <paramref name="rank"/> sent for step <paramref name="step"/>: <paramref name="send"/> writes it to the peer.
    /// Null when that chunk is expected already (a duplicate, which the shard refuses): it answers the usual way.
    /// The caller disposes the registration once the call returned, sent or not.
    /// </summary>
    internal OwedAnswer? Expect(string shardKey, long step, int rank, int offset, Func<float[], Task> send)
    {
        var key = new AnswerKey(shardKey, step, rank, offset);
        var owed = new OwedAnswer(this, key, send);
        return _owed.TryAdd(key, owed) ? owed : null;
    }

    /// <summary>
    /// Sends the updated <paramref name="values"/> of a chunk to rank <paramref name="rank"/> when a connection of this
    /// silo expects them (the write starts here and goes on by itself when the socket cannot take it all at once);
    /// false when none does, and the answer goes back as the call's result.
    /// </summary>
    public bool TrySend(string shardKey, long step, int rank, int offset, float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!_owed.TryRemove(new AnswerKey(shardKey, step, rank, offset), out var owed)) return false;
        owed.Start(values);
        return true;
    }

    private void Forget(OwedAnswer owed) => _owed.TryRemove(new KeyValuePair<AnswerKey, OwedAnswer>(owed.Key, owed));

    internal readonly record struct AnswerKey(string ShardKey, long Step, int Rank, int Offset);

    /// <summary>One expected answer: <see cref="Sent"/> is its write once the shard started it.</summary>
    internal sealed class OwedAnswer(OwedAnswers owner, AnswerKey key, Func<float[], Task> send) : IDisposable
    {
        public AnswerKey Key { get; } = key;

        /// <summary>The answer's write, once the shard started it; null while it has not.</summary>
        public Task? Sent { get; private set; }

        public void Start(float[] values)
        {
            try
            {
                Sent = send(values);
            }
            catch (Exception e)
            {
                Sent = Task.FromException(e);
            }
        }

        public void Dispose() => owner.Forget(this);
    }
}
