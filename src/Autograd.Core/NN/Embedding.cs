namespace Autograd.NN;

/// <summary>A lookup table of <see cref="NumEmbeddings"/> vectors of size <see cref="EmbeddingDim"/>, initialised N(0, 1) (PyTorch's <c>nn.Embedding</c>); Forward takes Int64 indices.</summary>
public sealed class Embedding : Module
{
    public Embedding(int numEmbeddings, int embeddingDim)
    {
        if (numEmbeddings < 0 || embeddingDim < 0)
            throw new ArgumentException($"Embedding: num_embeddings and embedding_dim must be non-negative, got {numEmbeddings} and {embeddingDim}");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        Weight = Tensor.Empty([numEmbeddings, embeddingDim], DType.Float32).MoveToOuterScope().RequiresGrad_();
        Init.Normal_(Weight);
    }

    public int NumEmbeddings { get; }

    public int EmbeddingDim { get; }

    /// <summary>The [num_embeddings, embedding_dim] table.</summary>
    public Tensor Weight { get; private set; }

    public override Tensor Forward(Tensor input) => Functional.Embedding(input, Weight);

    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}";
}
