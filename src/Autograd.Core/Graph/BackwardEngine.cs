namespace Autograd.Graph;

/// <summary>
/// Runs backward: one walk over the graph in dependency order, each node's rule applied once to the sum of the
/// gradients that reached it, leaf gradients accumulated into <see cref="Tensor.Grad"/>. Gradients of
/// intermediate tensors are the engine's own and go back to the pool as soon as they are consumed.
/// </summary>
internal static class BackwardEngine
{
    public static void Run(Tensor root, Tensor? gradient, bool retainGraph)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException("element 0 of tensors does not require grad and does not have a grad_fn");

        Tensor seed;
        if (gradient is null)
        {
            if (root.Numel != 1)
                throw new InvalidOperationException($"grad can be implicitly created only for scalar outputs; the tensor has shape {Tensor.ShapeString(root.ShapeRef)}: pass a gradient of that shape to Backward");
            seed = Tensor.OnesLike(root);
        }
        else
        {
            if (!gradient.ShapeRef.AsSpan().SequenceEqual(root.ShapeRef))
                throw new ArgumentException($"Backward: gradient has shape {Tensor.ShapeString(gradient.ShapeRef)} but the output has shape {Tensor.ShapeString(root.ShapeRef)}");
            if (gradient.Device != root.Device)
                throw new ArgumentException($"Backward: expected the gradient on the output's device, but found at least two devices, {root.Device} and {gradient.Device}");
            using (GradMode.Set(false)) seed = gradient.ToType(root.DType).Clone();
        }

        using var noGrad = GradMode.Set(false);
        if (root.GradFn is null)
        {
            AccumulateIntoLeaf(root, seed, owned: true);
            return;
        }

        var dependencies = CountDependencies(root.GradFn);
        // The sum of gradients reaching each node so far. Every entry is the engine's own buffer (the seed is a copy,
        // gradients it does not own are copied on arrival), so it may be added into and freed.
        var pending = new Dictionary<Node, Tensor>(ReferenceEqualityComparer.Instance) { [root.GradFn] = seed };
        var ready = new Stack<Node>();
        ready.Push(root.GradFn);

        while (ready.Count > 0)
        {
            var node = ready.Pop();
            if (!pending.Remove(node, out var incoming))
            {
                // Every edge into this node carried no gradient (a rule returned null for it): nothing flows on, but
                // the nodes below still wait for this one.
                foreach (var edge in node.NextEdges)
                    if (edge.Function is { } below && --dependencies[below] == 0) ready.Push(below);
                continue;
            }

            if (node.RetainedOutput is { } retained) AccumulateIntoLeaf(retained, incoming, owned: false);

            var grads = node.Apply(incoming);
            if (!retainGraph) node.Release();

            // Ownership: a gradient may be handed on unchanged (Add passes its input through), possibly to two
            // inputs at once. Only the last holder of a storage may reuse or free it; the earlier ones copy it (a
            // leaf's Grad and a pending sum are written later, so they must never share a buffer). Storages are read
            // before anything is handed on, since an owner may free its gradient at once.
            var storages = new Backends.Storage?[grads.Length];
            for (int i = 0; i < grads.Length; i++)
                if (grads[i] is { } gi && Consumes(node.NextEdges[i])) storages[i] = gi.Storage;
            var incomingStorage = incoming.Storage;
            bool incomingHandedOn = false;
            for (int i = 0; i < grads.Length; i++)
            {
                var g = grads[i];
                var edge = node.NextEdges[i];
                if (g is null || !Consumes(edge))
                {
                    if (g is not null && !ReferenceEquals(g.Storage, incomingStorage) && Array.IndexOf(storages, g.Storage) < 0) g.Dispose();
                    if (edge.Function is { } skipped && --dependencies[skipped] == 0) ready.Push(skipped);
                    continue;
                }

                var storage = storages[i]!;
                bool sharesIncoming = ReferenceEquals(storage, incomingStorage);
                bool owned = Array.IndexOf(storages, storage, i + 1) < 0;
                if (sharesIncoming) incomingHandedOn = true;

                if (edge.Leaf is { } leaf)
                {
                    AccumulateIntoLeaf(leaf, g, owned);
                    continue;
                }

                var next = edge.Function!;
                if (pending.TryGetValue(next, out var existing))
                {
                    existing.AddInPlace(g);
                    if (owned) g.Dispose();
                }
                else
                {
                    // A gradient this node does not own may be freed by its owner before `next` runs: keep a copy.
                    pending[next] = owned ? g : g.Clone();
                }

                if (--dependencies[next] == 0) ready.Push(next);
            }

            if (!incomingHandedOn) incoming.Dispose();
        }
    }

    private static bool Consumes(Edge edge) => edge.Function is not null || edge.Leaf is not null;

    /// <summary>Counts, for each node reachable from the root, how many edges lead into it.</summary>
    private static Dictionary<Node, int> CountDependencies(Node root)
    {
        var counts = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance) { [root] = 0 };
        var stack = new Stack<Node>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            foreach (var edge in node.NextEdges)
            {
                if (edge.Function is not { } next) continue;
                if (counts.TryGetValue(next, out int c))
                {
                    counts[next] = c + 1;
                }
                else
                {
                    counts[next] = 1;
                    stack.Push(next);
                }
            }
        }

        return counts;
    }

    private static void AccumulateIntoLeaf(Tensor leaf, Tensor gradient, bool owned)
    {
        if (leaf.Grad is null)
        {
            leaf.Grad = owned ? gradient : gradient.Clone();
        }
        else
        {
            leaf.Grad.AddInPlace(gradient);
            if (owned) gradient.Dispose();
        }
    }
}
